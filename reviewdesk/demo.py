"""The demo organisation: an agency serving two clients (品牌方) with shops on several platforms, and
users of every role; each client has a read-only viewer login (its own staff)."""

from django.contrib.auth.models import Group

from reviewdesk.models import Client, ClientMembership, Shop, ShopMembership, User

DEMO_PASSWORD = "demo-Review-2026"

DEMO_SHOPS = [
    ("tb-home", "taobao", "家居好物淘宝店"),
    ("tm-baby", "tmall", "母婴天猫旗舰店"),
    ("dy-fashion", "douyin", "潮流服饰抖店"),
    ("jd-digital", "jd", "数码京东自营店"),
    ("pdd-snack", "pdd", "零食拼多多店"),
]
ALL = [code for code, _p, _n in DEMO_SHOPS]

# username, role, display name, shop codes. Every shop has at least two certified agents (agent1–3;
# agent4's certification has lapsed, training.demo), so routing always finds someone.
DEMO_USERS = [
    ("agent1", "agent", "王小丽", ["tb-home", "tm-baby", "pdd-snack"]),
    ("agent2", "agent", "李明", ["tb-home", "dy-fashion", "jd-digital"]),
    ("agent3", "agent", "张伟", ["dy-fashion", "jd-digital", "pdd-snack", "tm-baby"]),
    ("agent4", "agent", "刘洋", ["pdd-snack", "tm-baby"]),
    ("supervisor1", "supervisor", "陈静(主管)", ALL),
    ("legal1", "legal", "赵律师(法务)", ALL),
    ("manager1", "manager", "孙经理(运营)", ALL),
    ("hr1", "hr", "周人事", ALL),
    # The policy owner edits the global rules; manager1 edits his shops' overrides only.
    ("owner1", "policy_owner", "吴总监(规则负责人)", ALL),
    # No role: a warehouse clerk who answers the work orders of the warehouse (the workorders demo makes
    # him a member, the lead, of the 仓库 department); he sees no case queue.
    ("warehouse1", None, "赵师傅(仓库)", ALL),
]
# The agency's clients and their shops: 悦家生活 owns four shops, 小食光 the snack shop (its own shop: its
# viewer sees that one only, and nothing of 悦家生活's).
DEMO_CLIENTS = [
    ("yuejia", "悦家生活", ["tb-home", "tm-baby", "dy-fashion", "jd-digital"]),
    ("xiaoshi", "小食光", ["pdd-snack"]),
]
# username, role, display name, client codes: the clients' own staff, members of their clients (not of
# shops), read-only; staff, to read the policies in force in the admin.
DEMO_CLIENT_USERS = [
    ("viewer1", "client_viewer", "悦家品牌方(查看)", ["yuejia"]),
    ("viewer2", "client_viewer", "小食光品牌方(查看)", ["xiaoshi"]),
]
STAFF_ROLES = {"manager", "hr", "policy_owner", "client_viewer"}


def ensure_demo_org() -> tuple[dict[str, Shop], dict[str, User]]:
    shops = {}
    for code, platform, name in DEMO_SHOPS:
        shops[code], _ = Shop.objects.get_or_create(code=code, defaults={"platform": platform, "name": name})
    clients = {}
    for code, name, shop_codes in DEMO_CLIENTS:
        clients[code], _ = Client.objects.get_or_create(code=code, defaults={"name": name})
        Shop.objects.filter(code__in=shop_codes, client__isnull=True).update(client=clients[code])
    users = {}
    for index, (username, role, name, shop_codes) in enumerate(DEMO_USERS, start=1):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                display_name=name,
                employee_code=f"RD{index:04d}",
                is_staff=role in STAFF_ROLES,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        if role:
            user.groups.add(Group.objects.get(name=role))
        for code in shop_codes:
            ShopMembership.objects.get_or_create(shop=shops[code], user=user)
        users[username] = user
    for index, (username, role, name, client_codes) in enumerate(DEMO_CLIENT_USERS, start=1):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=name, employee_code=f"RDC{index:03d}", is_staff=True)
            user.set_password(DEMO_PASSWORD)
            user.save()
        if role:
            user.groups.add(Group.objects.get(name=role))
        for code in client_codes:
            ClientMembership.objects.get_or_create(client=clients[code], user=user)
        users[username] = user
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser(
            "admin", "admin@example.com", DEMO_PASSWORD, employee_code="RD0000", display_name="管理员"
        )
    users["admin"] = User.objects.get(username="admin")
    return shops, users
