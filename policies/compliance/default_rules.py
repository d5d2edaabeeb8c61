"""The default pack's compliance rules (``policies.default_pack.COMPLIANCE_RULES``), one group per category.

Every pattern and term here is matched on the NORMALISED text (``policies.compliance.normalise``):
simplified, lower case, half-width, without spaces or punctuation, numerals as digits ("五星" is
"5星", "十块" is "10元"), "wx"/"V信" as "微信", "扣扣" as "qq". Phrases (``keywords``) are normalised
too; regular expressions and combination terms must be written in the normalised form.

Actions: inducement, conditional offers, insults and personal data are forbidden by law and by every
platform (block everywhere). Asking for a revision is forbidden on Taobao/Tmall (block) and allowed
with care elsewhere (warn). Off-platform diversion is blocked where the platform punishes it as
such and warned on JD. Managers edit all of it in the admin; ``bench/eval_compliance.py`` measures it.
"""

_EVERYWHERE = "taobao:block,tmall:block,douyin:block,jd:block,pdd:block"
_TAOBAO_BLOCKS = "taobao:block,tmall:block,douyin:warn,jd:warn,pdd:warn"

_LAW_INDUCEMENT = (
    "《网络交易监督管理办法》第十四条(不得以返现、红包、卡券等方式利诱用户作出指定好评)；"
    "《反不正当竞争法》；淘宝/天猫、抖音、京东、拼多多评价规则的“不当利益诱导评价”"
)

# Words for a good, five-star, photo or appended review (what an inducement buys).
_REVIEW_TERMS = "\n".join(
    [
        r"好评",
        r"[45]星",
        r"满星",
        r"满分",
        r"[45]分(评价|好评)",
        r"晒(个|一下|下)?图",
        r"晒(个|一下|下)?单",
        r"带.{0,3}图",
        r"追评",
        r"追加评价",
        r"(评价|评论|点评)(后|完|截图)",
        r"评完",
    ]
)
# What an inducement pays with.
_REWARD_TERMS = "\n".join(
    [
        r"返现",
        r"返钱",
        r"返利",
        r"返[0-9]",
        r"返还",
        r"红包",
        r"现金",
        r"[0-9]+元",
        r"券",
        r"[0-9]折|打折|折扣",
        r"小样|试用装",
        r"无门槛",
        r"礼品",
        r"赠品",
        r"礼物",
        r"小礼",
        r"送(您|你)?[0-9一个张份礼券小杯]",
        r"免单",
        r"抽奖",
        r"奖励",
        r"有礼",
        r"补贴",
        r"报销",
        r"佣金",
        r"积分",
        r"福利",
        r"好处",
        r"领取",
    ]
)

_NOT = "".join(
    f"(?<!{word})"
    for word in (
        "无法",
        "不会",
        "不能",
        "不用",
        "无需",
        "不必",
        "不要",
        "没有",
        "不需",
        "要求您",
        "要求你",
        "请您不",
    )
)
_OBJECT = r"(这条|那条|这个|您的|你的|下您的)?(差评|中评|评价|评论|评分|星级)"
_REVISION_PATTERNS = "\n".join(
    [
        _NOT + r"删(掉|了|除)?(一下|下|个)?" + _OBJECT,
        _NOT + r"删评",
        _NOT + r"(?<![修更])(撤|撤销|撤回|撤掉|取消|去掉|修改|更改|更新|改)(掉|了)?(一下|下)?" + _OBJECT,
        r"(差评|中评|评价|评论|星级|评分)(能|可以|帮忙|麻烦)?(删|撤|修改|更改|更新|去掉|取消|改)(掉|了|下|一|除|销|回|成|为)",
        r"把(差评|中评|评价|评论|星级|评分).{0,3}(删|撤|改|去掉|取消)",
        r"(差评|中评|评价|评论|星级|评分).{0,6}(删|撤回|撤销|修改|更改|更新|去掉|改)(掉|了|除)?(一下|下)?(吗|呀|呢|吧|哈|哦|好吗|行吗|可以吗)",
        r"改(成|为|个|一下)?(好评|5星|满分)",
        r"(麻烦|请|帮忙|帮我们|求|希望|能否|可否|方便|可以|能不能).{0,4}(追评|追加(个|一个|一下)?(好评|评价|评论)|补(个)?(好评|评价)|加个好评)",
        r"追评(一下|下)",
    ]
)
_CONDITION_ACTS = "\n".join(
    [
        r"删评",
        r"(删|删除|删掉|删了|撤|撤销|撤回|修改|更改|改)(一下|下)?(您|你)?(的)?(差评|中评|评价|评论)",
        r"(差评|中评|评价|评论)(删|撤|改|修改|去掉|取消)",
        r"改(成|为)?(好评|5星)",
        r"追评",
        r"好评",
        r"[45]星",
        r"晒图",
    ]
)
_CONDITION_BENEFITS = "\n".join(
    [
        r"就(给|送|返|退|补|赔|帮|可以|能|安排|马上)",
        r"即(可|送|返|退|给)",
        r"才(能|可以|给|退|补|送|返|安排)",
        r"便(给|送|返|退)",
        r"(马上|立即|立马|立刻)(退|给|返|送|补|安排)",
        r"(后|完)(再)?(退款|退|返|给您|送|补|赔)",
        r"再(给|退|返|送|补|赔|安排)",
        r"可(获得|获|领|得|返|退)",
    ]
)

COMPLIANCE_RULES = [
    # — inducement for reviews —
    {
        "name": "利诱好评：好评返现类用语",
        "category": "inducement",
        "action": "block",
        "platform_actions": _EVERYWHERE,
        "match_mode": "keywords",
        "patterns": "好评返现\n五星返现\n全五星返现\n好评返红包\n好评返券\n好评返优惠券\n好评免单\n好评有礼\n晒图有礼\n"
        "晒单有礼\n追评有礼\n评价有礼\n晒图返现\n晒单返现\n好评送\n好评大使\n转好评送\n好评抽奖\n好评赢\n返现好评",
        "cited_rule": _LAW_INDUCEMENT,
        "reason": "以现金、红包、优惠券、礼品、免单、抽奖等利益换取好评/五星/晒图/追评，属于不当利益诱导评价。",
    },
    {
        "name": "利诱好评：评价词与利益词相邻",
        "category": "inducement",
        "action": "block",
        "platform_actions": _EVERYWHERE,
        "match_mode": "combination",
        "terms_a": _REVIEW_TERMS,
        "terms_b": _REWARD_TERMS,
        "distance": 12,
        "cited_rule": _LAW_INDUCEMENT,
        "reason": "好评/五星/晒图/追评与返现、红包、优惠券、礼品、免单、抽奖等利益出现在同一句话里，"
        "会被平台认定为以利益换取好评。补偿请单独说明，不要和评价联系在一起。",
    },
    # — offers conditional on a review —
    {
        "name": "以评价为条件的补偿",
        "category": "conditional_offer",
        "action": "block",
        "platform_actions": _EVERYWHERE,
        "match_mode": "combination",
        "terms_a": _CONDITION_ACTS,
        "terms_b": _CONDITION_BENEFITS,
        "distance": 10,
        "cited_rule": _LAW_INDUCEMENT + "；淘宝评价规范：不得以删除/修改评价作为退款、售后的条件",
        "reason": "把退款、补偿或赠品与买家删除、修改、追加评价或给好评挂钩，属于以利益换取评价；"
        "售后处理不能以评价为条件。",
    },
    {
        "name": "以评价为条件：只要/如果……评价",
        "category": "conditional_offer",
        "action": "block",
        "platform_actions": _EVERYWHERE,
        "match_mode": "regex",
        "patterns": r"(只要|如果|若|要是|等|假如|前提是)(您|你|亲)?.{0,6}(删评|删除评价|删掉评价|改评|修改评价|追评|好评|5星|晒图|评价删|差评删|差评改)",
        "cited_rule": _LAW_INDUCEMENT,
        "reason": "以“只要/如果您……评价”为条件提出任何好处，属于以利益换取评价。",
    },
    # — requests to modify, delete, withdraw or append reviews —
    {
        "name": "请买家修改、删除、撤回或追加评价",
        "category": "revision_request",
        "action": "warn",
        "platform_actions": _TAOBAO_BLOCKS,
        "match_mode": "regex",
        "patterns": _REVISION_PATTERNS,
        "cited_rule": "淘宝/天猫评价规范：商家不得要求买家修改、删除或追加评价；抖音、京东、拼多多：仅在问题解决后、不附带任何利益时可提示买家",
        "reason": "请买家修改、删除、撤回或追加评价：淘宝/天猫禁止；其他平台只能在问题真正解决后、不附带任何利益时提及。",
    },
    # — off-platform diversion —
    {
        "name": "站外引流：微信、QQ、群、公众号、链接",
        "category": "diversion",
        "action": "block",
        "platform_actions": "taobao:block,tmall:block,douyin:block,pdd:block,jd:warn",
        "match_mode": "regex",
        "patterns": "\n".join(
            [
                r"加(我们|我|个|一下|下|客服|店长|的|专属|售后|官方){0,3}(微信|qq|好友|群)",
                r"(微信|qq)(号|群|联系|搜|私聊|聊|沟通|转账|好友|扫|同号|上联系|[a-z0-9]{4,})",
                r"(私聊|联系|找|添加|搜索|搜|关注)(我|我们|客服|店长)?(的)?(微信|qq|公众号|抖音号|小红书|视频号|微博|钉钉)",
                r"公众号",
                r"(进|入|加入|拉您进|拉你进|扫码进|进入)(我们的|我们)?(粉丝|福利|售后|会员|vip|微信|qq|钉钉)?群",
                r"(粉丝|福利|售后|会员|vip|微信|qq|钉钉|返现)群",
                r"扫码|二维码",
                r"https?[a-z0-9]|www[a-z0-9]",
                r"(手机|电话)同号",
                r"私下(联系|交易|转账|退款|沟通)|线下(交易|转账)|站外",
            ]
        ),
        "cited_rule": "淘宝/天猫、抖音、拼多多平台规则：禁止通过微信、QQ、群、公众号、外部链接等把买家引导到站外",
        "reason": "不得把买家引导到平台以外(微信、QQ、群、公众号、外部链接、私下交易)；请在平台内沟通。",
    },
    # — insults, contempt and threats toward buyers —
    {
        "name": "辱骂、轻视或威胁买家",
        "category": "abuse",
        "action": "block",
        "platform_actions": _EVERYWHERE,
        "match_mode": "keywords",
        "patterns": "白嫖\n爱买不买\n不买拉倒\n不买就滚\n买不起\n没钱就别买\n没钱别买\n穷鬼\n穷逼\n你有病\n有病吧\n神经病\n"
        "是不是有病\n有病啊\n你事多\n找茬\n脑子有问题\n脑子进水\n脑残\n智障\n弱智\n傻逼\n傻b\n煞笔\n沙比\n滚蛋\n滚吧\n滚开\n滚远点\n垃圾买家\n奇葩买家\n"
        "事儿多\n事儿精\n矫情\n活该\n找死\n你等着\n走着瞧\n后果自负\n让你好看\n有你好果子吃\n曝光你\n人肉你\n"
        "知道你住哪\n上门找你\n弄死你\n打死你\n揍你\n不要脸\n给脸不要脸\n眼瞎\n瞎了吗\n你会不会用\n看不懂吗\n"
        "你懂不懂\n差评师\n职业差评\n你自己不会用\n少来这套\n别想占便宜\n"
        "穷就别\n穷就不要\n就别买\n别网购\n小气\n抠门\n斤斤计较\n这点钱都\n就报警\n报警处理你\n报警抓你\n"
        "起诉你\n告你\n法院见\n律师函",
        "cited_rule": "各平台客服服务规范：不得辱骂、歧视、威胁或嘲讽买家；《消费者权益保护法》第十四条(人格尊严)",
        "reason": "辱骂、轻视、威胁或嘲讽买家的用语会被平台处罚，也会激化纠纷。",
    },
    {
        "name": "避免推卸责任用语",
        "category": "other",
        "action": "warn",
        "match_mode": "keywords",
        "patterns": "不是我们的问题\n是快递的错\n你找快递\n与本店无关\n跟我们没关系\n你自己的问题",
        "reason": "不辩解、不推卸责任，先共情买家。",
    },
    # — personal data in public replies —
    {
        "name": "公开回复禁止手机号与身份证号",
        "category": "personal_data",
        "channels": "public_reply",
        "action": "block",
        "platform_actions": _EVERYWHERE,
        "match_mode": "regex",
        "patterns": "\n".join(
            [
                r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])",
                r"(?<![0-9])0[1-9][0-9]{1,2}[0-9]{7,8}(?![0-9])",
                r"(?<![0-9])[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9x](?![0-9])",
                r"(?<![0-9])1[3-9][0-9]\*{4}[0-9]{4}",
            ]
        ),
        "cited_rule": "《个人信息保护法》；各平台隐私规则：公开回复不得展示买家手机号、身份证号",
        "reason": "公开回复不得泄露买家手机号、身份证号等个人信息(含带空格或全角数字的写法)。",
    },
    {
        "name": "公开回复禁止地址",
        "category": "personal_data",
        "channels": "public_reply",
        "action": "block",
        "platform_actions": _EVERYWHERE,
        "match_mode": "regex",
        "patterns": "\n".join(
            [
                r"[\u4e00-\u9fa5]{2,4}(省|自治区)[\u4e00-\u9fa5]{2,5}市",
                r"[\u4e00-\u9fa5]{2,4}市[\u4e00-\u9fa5]{2,4}(区|县)",
                r"[\u4e00-\u9fa5\d]{2,12}(路|街|巷|弄|大道)[0-9]+号",
                r"[0-9]+(号楼|栋|幢)",
                r"[0-9]+单元[0-9]+",
                r"[0-9]{3,4}室",
                r"(收货地址|收件地址|家庭住址|您的地址|住址)(是|为|在)",
                r"(小区|花园|公寓|大厦|新村)[0-9]+(号|栋|幢|单元)",
            ]
        ),
        "cited_rule": "《个人信息保护法》；各平台隐私规则：公开回复不得展示买家收货地址",
        "reason": "公开回复不得泄露买家收货地址等个人信息。",
    },
]
