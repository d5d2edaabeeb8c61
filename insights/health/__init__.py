"""Shop health: the platform's DSR scores (描述相符, 服务态度, 物流服务) per shop and day beside the industry
average, imported from the back-office export (``imports``), watched for a fall below the average or a
drop by a set step (``alerts``), and shown as a trend per score (``views``)."""
