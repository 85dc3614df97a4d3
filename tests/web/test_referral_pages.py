"""The referral pages: one referral in full, a receiving service's worklist, "create and send"
in one step, and the dashboard's referrals with their full reason and a link to each."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessRecord
from care.models import Referral, ReferralStatusChange
from care.services import referral_create, referral_transition
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LONG_REASON = (
    "Left foot drop since the relapse in March: catches the toe on kerbs and stairs, two falls "
    "at home.\nPlease assess for an ankle-foot orthosis and a home exercise programme."
)


def _days(n):
    return TODAY + datetime.timedelta(days=n)


def _page(referral):
    return reverse("web:referral_page", args=[referral.pk])


def _worklist(**query):
    return reverse("web:referral_worklist"), query


def _rows(html):
    """The worklist's body rows."""
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]


@pytest.fixture
def patient(north):
    return factories.PatientFactory(
        clinic=north,
        given_name="Iris",
        family_name="Reid",
        mrn="N-0042",
        date_of_birth=datetime.date(1968, 7, 9),
    )


@pytest.fixture
def referral(patient, nora, phil):
    """Urgent, to physiotherapy, 20 days ago (due 6 days ago), sent by Nora and accepted by Phil."""
    referral = referral_create(
        patient=patient,
        created_by=nora,
        to_service="physiotherapy",
        reason=LONG_REASON,
        urgency="urgent",
        referred_on=_days(-20),
        send=True,
    )
    return referral_transition(referral=referral, to_status="accepted", by=phil)


# The referral page -------------------------------------------------------------------------------


def test_the_page_shows_the_whole_referral(nora_web, referral):
    response = nora_web.get(_page(referral))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Referral to physiotherapy" in html
    assert "Reid, Iris" in html and "MRN N-0042" in html and "born 9 Jul 1968" in html
    # The reason in full, its line break kept.
    assert (
        "two falls at home.<br>Please assess for an ankle-foot orthosis and a home exercise programme."
        in html
    )
    assert "<dt>Urgency</dt><dd>Urgent</dd>" in html
    assert f"<dt>Referred on</dt><dd>{_days(-20):%-d %b %Y}</dd>" in html
    assert f"<dt>Due by</dt><dd>{_days(-6):%-d %b %Y}</dd>" in html
    assert '<dt>Status</dt><dd><span class="status status--accepted">Accepted</span></dd>' in html
    # Rule 7: accepted and past its due date.
    assert '<span class="badge badge--danger">Overdue</span> 6 days past the due date' in html


def test_the_history_says_who_moved_it_when_from_and_to_in_words(nora_web, referral):
    html = nora_web.get(_page(referral)).content.decode()
    history = html.split('<ol class="status-history">', 1)[1].split("</ol>", 1)[0]
    moments = [f"{timezone.localtime(c.changed_at):%-d %b %Y %H:%M}" for c in referral.status_changes.all()]
    assert re.findall(r"<li>(.*?)</li>", history) == [
        f"{moments[0]}: created as draft, by nora",
        f"{moments[1]}: Draft → Sent, by nora",
        f"{moments[2]}: Sent → Accepted, by phil",
    ]


@pytest.mark.parametrize(
    ("status", "overdue"),
    [
        ("sent", "Overdue"),
        ("seen", "No: the referral is seen"),
        ("closed", "No: the referral is closed"),
        ("cancelled", "No: the referral is cancelled"),
    ],
)
def test_overdue_follows_rule_7(nora_web, patient, nora, status, overdue):
    referral = factories.ReferralFactory(
        patient=patient, created_by=nora, status=status, referred_on=_days(-50), due_by=_days(-1)
    )
    html = nora_web.get(_page(referral)).content.decode()
    shown = html.split("<dt>Overdue</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert overdue in shown


def test_a_referral_due_today_is_not_overdue(nora_web, patient, nora):
    referral = factories.ReferralFactory(patient=patient, created_by=nora, status="sent", due_by=TODAY)
    html = nora_web.get(_page(referral)).content.decode()
    assert "<dt>Overdue</dt><dd>No</dd>" in html


def _moves(html):
    form = html.split('class="status-buttons"', 1)
    return (
        set(re.findall(r'name="status" value="(\w+)"', form[1].split("</form>")[0]))
        if len(form) > 1
        else set()
    )


@pytest.mark.parametrize("status", list(Referral.Status))
def test_the_buttons_are_the_moves_the_workflow_allows(nora_web, patient, nora, status):
    referral = factories.ReferralFactory(patient=patient, created_by=nora, status=status)
    assert _moves(nora_web.get(_page(referral)).content.decode()) == set(Referral.ALLOWED_TRANSITIONS[status])


def test_a_move_from_the_page_comes_back_to_it(phil_web, referral):
    response = phil_web.post(
        reverse("web:referral_move", args=[referral.pk]), {"status": "seen", "back": "referral"}
    )
    assert response.status_code == 302 and response["Location"] == _page(referral)
    html = phil_web.get(response["Location"]).content.decode()
    assert "Referral to physiotherapy is now seen." in html
    assert _moves(html) == {"closed"}


def test_a_role_without_referral_rights_reads_the_page_but_moves_nothing(rolf_web, referral):
    html = rolf_web.get(_page(referral)).content.decode()
    assert "Referral to physiotherapy" in html
    assert _moves(html) == set()
    assert "entered-in-error" not in html


@pytest.mark.parametrize(("viewer", "offered"), [("nora", True), ("phil", False), ("ada", True)])
def test_the_entered_in_error_link_is_for_the_author_and_admins(request, referral, viewer, offered):
    html = request.getfixturevalue(f"{viewer}_web").get(_page(referral)).content.decode()
    assert (reverse("web:entered_in_error", args=["referral", referral.pk]) in html) == offered


def test_a_referral_entered_in_error_is_not_found(ada_web, ada, referral):
    referral.mark_entered_in_error(by=ada, reason="Wrong patient")
    response = ada_web.get(_page(referral))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert not AccessRecord.objects.exists()


def test_an_entered_in_error_patients_referral_is_kept_for_the_record_and_moves_no_more(
    ada_web, ada, referral
):
    referral.patient.mark_entered_in_error(by=ada, reason="Duplicate registration")
    html = ada_web.get(_page(referral)).content.decode()
    assert "This patient record was marked entered in error" in html
    assert _moves(html) == set()


def test_an_unknown_referral_is_not_found(nora_web, referral):
    assert nora_web.get(reverse("web:referral_page", args=[referral.pk + 1000])).status_code == 404


# The worklist ------------------------------------------------------------------------------------


@pytest.fixture
def worklist(north, south, nora, sam):
    """Referrals of clinic north to several services in every status, and one of clinic south."""
    made = {}

    def make(name, *, days_ago, status="sent", to_service="physiotherapy", clinic=north, **fields):
        patient = factories.PatientFactory(clinic=clinic, family_name=name)
        made[name] = factories.ReferralFactory(
            patient=patient,
            created_by=nora if clinic == north else sam,
            to_service=to_service,
            status=status,
            referred_on=_days(-days_ago),
            reason=f"Reason for {name}",
            **fields,
        )

    make("Newest", days_ago=1, status="accepted")
    make("Oldest", days_ago=90, due_by=_days(-48))  # routine, sent, 48 days past due: overdue
    make("Middle", days_ago=30, status="accepted")
    make("Draft", days_ago=60, status="draft")
    make("Seen", days_ago=70, status="seen")
    make("Closed", days_ago=80, status="closed")
    make("Declined", days_ago=80, status="declined")
    make("Orthotics", days_ago=50, to_service="orthotics")
    make("Southern", days_ago=100, clinic=south)
    return made


def _names(html):
    return re.findall(r'/patients/\d+/">(\w+), ', "".join(_rows(html)))


def test_the_worklist_is_the_services_open_referrals_oldest_first(nora_web, worklist):
    url, query = _worklist(service="physiotherapy")
    response = nora_web.get(url, query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Referrals to physiotherapy, oldest first</h1>" in html
    # Sent and accepted only (a draft has not reached the service); north's only; oldest first.
    assert _names(html) == ["Oldest", "Middle", "Newest"]
    assert "3 referrals · Open: sent or accepted" in html


def test_the_overdue_referral_is_marked_and_each_row_links_to_its_page(nora_web, worklist):
    url, query = _worklist(service="physiotherapy")
    rows = _rows(nora_web.get(url, query).content.decode())
    assert [">Overdue</span>" in row for row in rows] == [True, False, False]
    for row, name in zip(rows, ["Oldest", "Middle", "Newest"], strict=True):
        assert f'href="{_page(worklist[name])}"' in row
        assert f"Reason for {name}" in row


@pytest.mark.parametrize(
    ("status", "names"),
    [("seen", ["Seen"]), ("draft", ["Draft"]), ("closed", ["Closed"]), ("accepted", ["Middle", "Newest"])],
)
def test_the_status_filter(nora_web, worklist, status, names):
    url, query = _worklist(service="physiotherapy", status=status)
    assert _names(nora_web.get(url, query).content.decode()) == names


def test_another_service_has_its_own_worklist(nora_web, worklist):
    url, query = _worklist(service="orthotics")
    html = nora_web.get(url, query).content.decode()
    assert "<h1>Referrals to orthotics, oldest first</h1>" in html
    assert _names(html) == ["Orthotics"]


def test_an_initialism_keeps_its_capitals(nora_web, worklist):
    url, query = _worklist(service="gp")
    html = nora_web.get(url, query).content.decode()
    assert "<h1>Referrals to GP, oldest first</h1>" in html
    assert "No referrals to GP match." in html


def test_another_clinic_sees_nothing_of_norths(sam_web, worklist):
    url, query = _worklist(service="physiotherapy")
    assert _names(sam_web.get(url, query).content.decode()) == ["Southern"]


def test_referrals_entered_in_error_or_of_a_patient_entered_in_error_drop_out(ada_web, ada, worklist):
    worklist["Oldest"].mark_entered_in_error(by=ada, reason="Duplicate")
    worklist["Middle"].patient.mark_entered_in_error(by=ada, reason="Wrong patient")
    url, query = _worklist(service="physiotherapy")
    assert _names(ada_web.get(url, query).content.decode()) == ["Newest"]


def test_the_list_is_written_to_the_access_log_with_the_patients_shown(nora_web, worklist):
    url, query = _worklist(service="physiotherapy")
    nora_web.get(url, query)
    [record] = AccessRecord.objects.with_patient_ids()
    assert (record.username, record.action, record.query) == ("nora", "patient_list", query)
    assert sorted(record.patient_ids) == sorted(
        worklist[n].patient_id for n in ("Oldest", "Middle", "Newest")
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"service": "podiatry"}, "“podiatry” is not a service referrals go to: choose one from the list."),
        ({"service": ""}, "Choose the service the referrals go to."),
        (
            {"service": "physiotherapy", "status": "lost"},
            "“lost” is not a referral status: choose one from the list.",
        ),
    ],
)
def test_bad_input_is_a_400_in_words_and_reads_nothing(nora_web, worklist, query, message):
    response = nora_web.get(reverse("web:referral_worklist"), query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Reason for" not in html
    assert not AccessRecord.objects.exists()


def test_without_a_service_the_page_offers_each_one_and_reads_nothing(nora_web, worklist):
    response = nora_web.get(reverse("web:referral_worklist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="?service=physiotherapy">Referrals to physiotherapy</a>' in html
    assert '<a href="?service=occupational_therapy">Referrals to occupational therapy</a>' in html
    assert '<a href="?service=ms_nurse">Referrals to MS nurse</a>' in html
    assert "Reason for" not in html
    assert not AccessRecord.objects.exists()


def test_the_navigation_leads_to_the_worklist(nora_web, north):
    html = nora_web.get(reverse("web:patient_list")).content.decode()
    assert f'<a href="{reverse("web:referral_worklist")}">Referrals</a>' in html


@pytest.fixture
def many(north, nora):
    """26 sent referrals to physiotherapy, one a day: two pages of 25."""
    return [
        factories.ReferralFactory(
            patient=factories.PatientFactory(clinic=north, family_name=f"P{day:02}"),
            created_by=nora,
            status="sent",
            referred_on=_days(day - 40),
        )
        for day in range(26)
    ]


@pytest.mark.parametrize(
    ("page", "names"),
    [
        ("1", [f"P{day:02}" for day in range(25)]),
        ("2", ["P25"]),
        # A page past the end is the last page; a page that is no number the first.
        ("99999999999999999999", ["P25"]),
        ("-3", ["P25"]),
        ("two", [f"P{day:02}" for day in range(25)]),
    ],
)
def test_the_worklist_is_paginated(nora_web, many, page, names):
    response = nora_web.get(reverse("web:referral_worklist"), {"service": "physiotherapy", "page": page})
    assert response.status_code == 200
    html = response.content.decode()
    assert _names(html) == names
    assert "26 referrals" in html


def test_the_next_page_link_keeps_the_filter(nora_web, many):
    html = nora_web.get(
        reverse("web:referral_worklist"), {"service": "physiotherapy", "status": "sent"}
    ).content.decode()
    assert 'href="?service=physiotherapy&amp;status=sent&amp;page=2" rel="next"' in html


# Create and send ---------------------------------------------------------------------------------


def _new_referral(patient, **extra):
    return reverse("web:referral_new", args=[patient.pk]), {
        "to_service": "physiotherapy",
        "reason": LONG_REASON,
        "urgency": "routine",
        "referred_on": TODAY.isoformat(),
        **extra,
    }


def test_the_form_offers_create_and_send_and_a_draft(nora_web, patient):
    html = nora_web.get(reverse("web:referral_new", args=[patient.pk])).content.decode()
    assert 'name="action" value="send" class="button button--primary">Create and send</button>' in html
    assert 'name="action" value="draft" class="button">Save as draft</button>' in html


def test_create_and_send_is_one_step(nora_web, nora, patient):
    url, data = _new_referral(patient, action="send")
    response = nora_web.post(url, data)
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.status == "sent"
    moves = [(c.from_status, c.to_status, c.changed_by) for c in referral.status_changes.all()]
    assert moves == [("", "draft", nora), ("draft", "sent", nora)]
    assert (
        "Referral to physiotherapy created and sent." in nora_web.get(response["Location"]).content.decode()
    )


@pytest.mark.parametrize("action", ["draft", None, "something else"])
def test_the_draft_path_stays(nora_web, patient, action):
    url, data = _new_referral(patient, **({"action": action} if action else {}))
    response = nora_web.post(url, data)
    assert response.status_code == 302
    assert Referral.objects.get().status == "draft"
    assert "created as a draft" in nora_web.get(response["Location"]).content.decode()


def test_create_and_send_with_bad_input_makes_nothing(nora_web, patient):
    url, data = _new_referral(patient, action="send", due_by="1890-01-01")
    response = nora_web.post(url, data)
    assert response.status_code == 200
    assert "Please correct 1 problem" in response.content.decode()
    assert not Referral.objects.exists() and not ReferralStatusChange.objects.exists()


# The dashboard's referrals -----------------------------------------------------------------------


def test_the_dashboard_shows_the_full_reason_and_links_to_the_page(nora_web, referral):
    html = nora_web.get(reverse("web:patient_dashboard", args=[referral.patient_id])).content.decode()
    section = html.split('id="referrals"', 1)[1].split("</section>", 1)[0]
    assert (
        "two falls at home.<br>Please assess for an ankle-foot orthosis and a home exercise programme."
        in section
    )
    assert f'<a href="{_page(referral)}">Physiotherapy<span class="visually-hidden">' in section
    assert "created as draft by nora" in section and "Draft → Sent by nora" in section
    assert "Sent → Accepted by phil" in section


def test_the_worklists_queries_do_not_grow_with_its_rows(nora_web, north, nora):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert (
                nora_web.get(reverse("web:referral_worklist"), {"service": "physiotherapy"}).status_code
                == 200
            )
        return len(captured)

    def add(count):
        for _ in range(count):
            factories.ReferralFactory(
                patient=factories.PatientFactory(clinic=north), created_by=nora, status="sent"
            )

    add(2)
    few = queries()
    add(20)
    assert queries() == few
