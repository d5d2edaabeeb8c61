def build_training_demo(*, shops, users, stdout):
    pass
