"""One input spec per workflow action (conventions rule 15): the services table, the web forms and the
API serializers all come from ``cases.workflow.specs.SPECS``, and the same bad input gets the same
refusal (field and message) from the web POST and the API POST, changing nothing."""

import inspect

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from cases.api.serializers_actions import ACTION_SERIALIZERS
from cases.web.forms.actions import ACTION_FORMS
from cases.workflow.services import SERVICES
from cases.workflow.specs import SPECS
from cases.workflow.table import ACTIONS, transitions_for
from tests.cases.api_cases_support import action_url, session_client
from tests.cases.workflow_factories import put_in_state, snapshot, triaged_case

SERVICE_ONLY = {"case_id", "by", "version", "now"}


def test_every_action_of_the_table_has_a_service_a_spec_a_form_and_a_serializer():
    assert set(SERVICES) == set(ACTIONS)
    assert set(SPECS) == set(ACTIONS)
    assert set(ACTION_FORMS) == set(ACTIONS)
    assert set(ACTION_SERIALIZERS) == set(ACTIONS)


@pytest.mark.parametrize("action", ACTIONS)
def test_the_service_takes_exactly_the_fields_of_its_spec(action):
    parameters = inspect.signature(SERVICES[action]).parameters
    assert set(parameters) - SERVICE_ONLY == set(SPECS[action].names)


@pytest.mark.parametrize("action", ACTIONS)
def test_form_fields_equal_serializer_fields_equal_spec_fields(action):
    spec = SPECS[action]
    form_fields = ACTION_FORMS[action].base_fields
    serializer_fields = ACTION_SERIALIZERS[action]().fields

    assert list(form_fields) == list(serializer_fields) == ["version", *spec.names]
    for field in spec.fields:
        assert form_fields[field.name].required is serializer_fields[field.name].required is field.required
        assert form_fields[field.name].label == field.label


@pytest.mark.parametrize("action", [a for a in ACTIONS if "note" in SPECS[a].names])
def test_a_note_is_required_by_the_spec_exactly_where_every_row_of_the_table_requires_it(action):
    """Where only some rows need a note (resolving a malicious case, closing an unresolved one) the
    guard refuses with note_required; where all do, both edges refuse the missing field first."""
    (note,) = [f for f in SPECS[action].fields if f.name == "note"]
    assert note.required is all("note" in row.guards for row in transitions_for(action))


def _post(data: dict) -> QueryDict:
    post = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            post.setlist(key, [str(v) for v in value])
        else:
            post[key] = str(value)
    return post


def _edges(action: str, data: dict) -> tuple[dict, dict]:
    """The field errors of the web form (fed as a POST) and of the serializer (fed as JSON)."""
    form = ACTION_FORMS[action](_post(data))
    form.take_choices_from(_post(data))
    form.is_valid()
    serializer = ACTION_SERIALIZERS[action](data=data)
    serializer.is_valid()
    return (
        {name: [str(m) for m in messages] for name, messages in form.errors.items()},
        {name: [str(m) for m in messages] for name, messages in serializer.errors.items()},
    )


BAD_INPUT = [
    ("mark_malicious", {"version": 3}, {"note": ["请填写说明。"]}),
    ("mark_malicious", {"version": 3, "note": "   "}, {"note": ["请填写说明。"]}),
    ("reopen", {"version": 3, "note": ""}, {"note": ["请填写说明。"]}),
    (
        "reject",
        {"version": 3, "offer_id": 0, "note": ""},
        {"offer_id": ["补偿记录的值无效。"], "note": ["请填写说明。"]},
    ),
    ("verify", {"version": 3}, {"responsibility": ["请选择责任方。"], "note": ["请填写核实说明。"]}),
    (
        "record_contact",
        {"version": 0, "channel": "pigeon", "reached": "maybe"},
        {
            "version": ["案件版本的值无效。"],
            "channel": ["联系渠道的值无效。"],
            "reached": ["是否联系上买家的值无效。"],
        },
    ),
    (
        "resolve",
        {"version": 2**63, "note": "x" * 2001},
        {"version": ["案件版本的值无效。"], "note": ["说明最多2000个字。"]},
    ),
    ("offer", {"version": 3, "option_id": "abc"}, {"option_id": ["补偿方案的值无效。"]}),
    ("offer", {"version": 3}, {"option_id": ["请选择补偿方案。"]}),
    (
        "file_appeal",
        {"version": 3, "reason_type": "", "evidence_ids": list(range(1, 52))},
        {"reason_type": ["请选择申诉理由。"], "evidence_ids": ["提交的证据最多50项。"]},
    ),
    ("file_appeal", {"version": 3, "reason_type": "r" * 65}, {"reason_type": ["申诉理由最多64个字。"]}),
    (
        "verify",
        {"version": 3, "responsibility": "merchant", "note": "n", "evidence_ids": [1, "abc"]},
        {"evidence_ids": ["证据的值无效。"]},
    ),
    (
        "verify",
        {"version": 3, "responsibility": "merchant", "note": "n", "evidence_ids": [0]},
        {"evidence_ids": ["证据的值无效。"]},
    ),
    ("appeal_outcome", {"version": 3, "outcome": "maybe"}, {"outcome": ["申诉结果的值无效。"]}),
]


@pytest.mark.parametrize(("action", "data", "errors"), BAD_INPUT)
def test_the_same_bad_input_gets_the_same_field_errors_on_both_edges(action, data, errors):
    with translation.override("zh-hans"):
        web, api = _edges(action, data)
    assert web == api == errors


def test_the_refusals_speak_english_to_an_english_user_on_both_edges():
    with translation.override("en"):
        web, api = _edges("mark_malicious", {"version": 3})
    assert web == api and web["note"] != ["请填写说明。"] and web["note"][0].isascii()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "state", "role"),
    [("mark_malicious", "in_progress", "agent"), ("reopen", "resolved", "supervisor")],
)
def test_a_missing_note_is_refused_alike_by_the_web_and_the_api_and_changes_nothing(
    seeded,
    shop,
    make_user,
    client,
    action,
    state,
    role,
):
    agent = make_user("agent", shops=[shop])
    actor = agent if role == "agent" else make_user(role, shops=[shop])
    case = put_in_state(triaged_case(shop), state, agent=agent)
    before = snapshot(case.pk)

    client.force_login(actor)
    url = reverse("cases:case_action", kwargs={"pk": case.pk, "action": action})
    web = client.post(url, {"version": case.version, "note": "  "})
    api = session_client(actor).post(
        action_url(case, action), {"version": case.version, "note": "  "}, format="json"
    )

    assert web.status_code == api.status_code == 400
    assert web.context["refusal"]["message"] == "请检查填写的内容：说明：请填写说明。"
    assert api.json()["code"] == "invalid" and api.json()["fields"] == {"note": ["请填写说明。"]}
    assert snapshot(case.pk) == before


def test_the_openapi_document_shows_each_actions_body_from_its_spec():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    for action, spec in SPECS.items():
        operation = schema["paths"][f"/api/v1/cases/{{case_id}}/actions/{action}/"]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = components[ref.rsplit("/", 1)[1]]
        assert list(body["properties"]) == ["version", *spec.names], action
        assert set(body.get("required", [])) == {"version", *(f.name for f in spec.fields if f.required)}, (
            action
        )
