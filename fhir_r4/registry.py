"""What the FHIR API serves: each resource type with its interactions and search parameters, and
how it reads and searches. The URLs and the CapabilityStatement are both built from ``SERVED``,
so the statement lists exactly what answers.

Every read goes through the apps' selectors, scoped by ``visible_to(user)``: a record of another
clinic is not found, as an unknown id is not. Searches leave records entered in error out; a
read by id serves them, marked (SPEC §6).
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import add, attrgetter, or_

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce

from assessments.grades import MuscleGroup
from assessments.models import Assessment, MuscleScore, SpasticityScore
from assessments.selectors import assessment_list
from care.models import DevicePrescription, ExercisePlan, FallEvent, Referral
from care.selectors import device_list, fall_list, medication_list, plan_list, referral_list
from patients.selectors import patient_list

from . import mapping
from .search import WHOLE_NUMBER, date_filter, patient_id, tokens


class NotFound(Exception):
    """No such resource among the user's clinics' records."""


@dataclass(frozen=True)
class Found:
    """One page of a search: the total over every page, the page's resources and their patients."""

    total: int
    resources: list
    patient_ids: set


@dataclass(frozen=True)
class Exported:
    """How a type is bulk exported: the listable records of a user's clinics (entered in error
    left out, as in searches), the resources each record becomes, and where its clinic is."""

    records: callable
    resources: callable
    clinic_field: str = "patient__clinic"
    patient_of: callable = attrgetter("patient_id")
    # Loads onto a chunk of records what their resources need besides the records (None: nothing).
    attach: callable = None

    def with_attached(self, records):
        """``records`` as a list, with what ``attach`` loads onto them."""
        records = list(records)
        if self.attach is not None and records:
            self.attach(records)
        return records


@dataclass(frozen=True)
class ResourceType:
    name: str
    read: callable
    # name -> (FHIR search parameter type, what it matches); None: no search.
    search_params: dict | None = None
    search: callable = None
    # Whether its resources are patient data (reads and searches written to the access log).
    patient_data: bool = True
    documentation: str = ""
    export: Exported | None = None
    interactions: tuple = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "interactions", ("read", "search-type") if self.search else ("read",))


def _page(queryset, criteria):
    start = (criteria.page - 1) * criteria.count
    return list(queryset[start : start + criteria.count]) if criteria.count else []


def _id_of(resource_id):
    if not WHOLE_NUMBER.fullmatch(resource_id):
        raise NotFound
    return int(resource_id)


def _reader(records_of, build):
    """A read by id of the records ``records_of(user)`` holds, built into a resource by ``build``
    (with the patient, whose being entered in error the record shares)."""

    def read(user, resource_id):
        record = records_of(user).select_related("patient").filter(pk=_id_of(resource_id)).first()
        if record is None:
            raise NotFound
        return build(record), record.patient_id

    return read


# Patient ----------------------------------------------------------------------------------


def _patient_read(user, resource_id):
    patient = patient_list(user).filter(pk=_id_of(resource_id)).first()
    if patient is None:
        raise NotFound
    return mapping.patient_resource(patient), patient.pk


def _identifier_filter(value):
    clauses = []
    mrn_prefix = mapping.mrn_system("")
    for token in tokens("identifier", value):
        clause = Q()
        if token.system is not None:
            if not token.system.startswith(mrn_prefix):
                continue  # no other identifier system is served
            clause &= Q(clinic__code=token.system.removeprefix(mrn_prefix))
        if token.code is not None:
            clause &= Q(mrn=token.code)
        clauses.append(clause)
    return reduce(or_, clauses, Q(pk__in=[]))


def _name_filter(value):
    """FHIR string search: the given or family name starts with any of the values, ignoring case."""
    return reduce(
        or_, (Q(given_name__istartswith=part) | Q(family_name__istartswith=part) for part in value.split(","))
    )


def _patients_searched(user, params):
    patients = _listed_patients(user)
    if "_id" in params:
        patients = patients.filter(
            pk__in=[int(part) for part in params["_id"].split(",") if WHOLE_NUMBER.fullmatch(part)]
        )
    if "identifier" in params:
        patients = patients.filter(_identifier_filter(params["identifier"]))
    if "name" in params:
        patients = patients.filter(_name_filter(params["name"]))
    if "birthdate" in params:
        patients = patients.filter(**date_filter("date_of_birth", params["birthdate"]))
    if "patient" in params:
        patients = patients.filter(
            pk__in={patient_id("patient", part) for part in params["patient"].split(",")}
        )
    return patients.order_by("family_name", "given_name", "pk")


def _patient_search(user, criteria):
    patients = _patients_searched(user, criteria.params)
    page = _page(patients, criteria)
    return Found(
        patients.count(), [mapping.patient_resource(patient) for patient in page], {p.pk for p in page}
    )


# Condition ----------------------------------------------------------------------------------


def _condition_read(user, resource_id):
    patient = patient_list(user).filter(pk=_id_of(resource_id.removeprefix("ms-"))).first()
    if patient is None or not resource_id.startswith("ms-"):
        raise NotFound
    return mapping.condition_resource(patient), patient.pk


def _condition_search(user, criteria):
    patients = _patients_searched(user, criteria.params)
    page = _page(patients, criteria)
    return Found(
        patients.count(), [mapping.condition_resource(patient) for patient in page], {p.pk for p in page}
    )


# Observation ------------------------------------------------------------------------------

# An Observation's id is its kind and the id of the row it comes from.
OBSERVATION_SOURCES = {
    "assessment": "pk",
    "mrc-sum": "pk",
    "edss": "pk",
    "t25fw": "pk",
    "mmt": "scores__pk",
    "mas": "spasticity__pk",
}


def _observation_read(user, resource_id):
    kind, _, number = resource_id.rpartition("-")
    if kind not in OBSERVATION_SOURCES:
        raise NotFound
    assessment = (
        assessment_list(user)
        .select_related("patient")
        .filter(**{OBSERVATION_SOURCES[kind]: _id_of(number)})
        .first()
    )
    for observation in mapping.assessment_observations(assessment) if assessment else []:
        if observation["id"] == resource_id:
            return observation, assessment.patient_id
    raise NotFound


# The Observations of an assessment recorded as a value of the assessment: kind -> field.
ASSESSMENT_VALUES = {"mrc-sum": "mrc_sum_score", "edss": "edss", "t25fw": "timed_25ft_walk_seconds"}
# The Observations of an assessment recorded as a score of a muscle-side: kind -> model.
MUSCLE_SIDE_SCORES = {"mmt": MuscleScore, "mas": SpasticityScore}
ALL_MUSCLE_GROUPS = frozenset(MuscleGroup.values)


@dataclass(frozen=True)
class ObservationsWanted:
    """Which of an assessment's Observations a search's ``code`` and ``category`` match: the kinds
    of ``mapping.ASSESSMENT_OBSERVATION_CODES`` in ``kinds``, and per muscle-side kind ("mmt",
    "mas") the muscle groups in ``groups``. Worked out from the codings ``mapping`` gives each
    kind, so the database counts exactly what the resources would match."""

    kinds: frozenset
    groups: dict

    @classmethod
    def of(cls, token_filters):
        def matched(code):
            """Whether every parameter matches a coding of an Observation coded ``code``."""
            codings = {"code": code["coding"], "category": mapping.EXAM["coding"]}
            return all(
                any(token.matches(coding) for token in wanted_tokens for coding in codings[name])
                for name, wanted_tokens in token_filters
            )

        return cls(
            frozenset(
                kind
                for kind in mapping.ASSESSMENT_OBSERVATION_CODES
                if matched(mapping.observation_code(kind))
            ),
            {
                kind: frozenset(
                    group for group in ALL_MUSCLE_GROUPS if matched(mapping.observation_code(kind, group))
                )
                for kind in mapping.MUSCLE_SIDE_OBSERVATIONS
            },
        )

    def __call__(self, kind, muscle_group=None):
        if kind in mapping.MUSCLE_SIDE_OBSERVATIONS:
            return muscle_group in self.groups[kind]
        return kind in self.kinds

    def per_assessment(self):
        """How many of an assessment's Observations are wanted: an expression on ``Assessment``
        (its ``mrc_sum_score`` annotated)."""
        terms = [Value(1)] if "assessment" in self.kinds else []
        for kind, scores in MUSCLE_SIDE_SCORES.items():
            if self.groups[kind]:
                count = (
                    self._of_groups(kind, scores.objects.filter(assessment=OuterRef("pk")))
                    .order_by()
                    .values("assessment")
                    .annotate(n=Count("pk"))
                    .values("n")
                )
                terms.append(Coalesce(Subquery(count, output_field=IntegerField()), 0))
        for kind, value_field in ASSESSMENT_VALUES.items():
            if kind in self.kinds:
                terms.append(Case(When(**{f"{value_field}__isnull": False}, then=1), default=0))
        return reduce(add, terms, Value(0))

    def total(self, assessments):
        """The number of wanted Observations of ``assessments``, in one query."""
        return assessments.annotate(wanted=self.per_assessment()).aggregate(total=Sum("wanted"))["total"] or 0

    def _of_groups(self, kind, scores):
        if self.groups[kind] == ALL_MUSCLE_GROUPS:
            return scores
        return scores.filter(muscle_group__in=self.groups[kind])

    def filter_assessments(self, assessments):
        """``assessments`` annotated with ``wanted``, their number of wanted Observations, and
        left out where none is (by what they hold rather than by ``wanted``: the database would
        count again, and stops at the first row of an EXISTS)."""
        assessments = assessments.annotate(wanted=self.per_assessment())
        if "assessment" in self.kinds:
            return assessments  # a panel each
        holds = [
            Exists(self._of_groups(kind, scores.objects.filter(assessment=OuterRef("pk"))))
            for kind, scores in MUSCLE_SIDE_SCORES.items()
            if self.groups[kind]
        ] + [
            Q(**{f"{field}__isnull": False})
            for kind, field in ASSESSMENT_VALUES.items()
            if kind in self.kinds
        ]
        return assessments.filter(reduce(or_, holds))


def _observation_search(user, criteria):
    """The matching Observations, ordered by their assessment (newest first: ``assessed_on``
    descending, then the assessment's id descending), then as ``mapping.assessment_observations``
    orders an assessment's own. The database counts them and finds the assessments the page
    falls in (a running sum of each assessment's wanted Observations); only those are built.
    """
    params = criteria.params
    assessments = assessment_list(user).listable()
    if "patient" in params:
        assessments = assessments.filter(
            patient_id__in={patient_id("patient", part) for part in params["patient"].split(",")}
        )
    if "date" in params:
        assessments = assessments.filter(**date_filter("assessed_on", params["date"]))
    token_filters = [(name, tokens(name, params[name])) for name in ("code", "category") if name in params]
    wanted = ObservationsWanted.of(token_filters)
    total = wanted.total(assessments)
    start = (criteria.page - 1) * criteria.count
    if not criteria.count or start >= total:
        return Found(total, [], set())
    # Each assessment's wanted Observations and how many there are up to it and with it: the
    # page's are those past ``start`` that begin before its end, ``count`` at most (each holds
    # one at least).
    end = start + criteria.count
    spans = [
        (pk, wanted_here, through)
        for pk, wanted_here, through in wanted.filter_assessments(assessments.prefetch_related(None))
        .annotate(through=Window(Sum("wanted"), order_by=[F("assessed_on").desc(), F("pk").desc()]))
        .filter(through__gt=start)
        .values_list("pk", "wanted", "through")
        .order_by("-assessed_on", "-pk")[: criteria.count]
        if through - wanted_here < end
    ]
    page_assessments = (
        assessments.select_related(None)
        .select_related("patient")
        .prefetch_related(None)
        .prefetch_related(
            # Unordered: the mapping orders them, and the models' ordering would join the assessments.
            Prefetch("scores", queryset=MuscleScore.objects.order_by()),
            Prefetch("spasticity", queryset=SpasticityScore.objects.order_by()),
        )
        .filter(pk__in=[pk for pk, _, _ in spans])
    )
    _, first_wanted, first_through = spans[0]
    skipped = start - (first_through - first_wanted)
    observations = [
        observation
        for assessment in page_assessments
        for observation in mapping.assessment_observations(assessment, wanted)
    ]
    page = observations[skipped : skipped + criteria.count]
    return Found(
        total,
        page,
        {int(observation["subject"]["reference"].split("/")[1]) for observation in page},
    )


# AdverseEvent -------------------------------------------------------------------------------


def _adverse_event_search(user, criteria):
    params = criteria.params
    falls = fall_list(user).listable().select_related("patient")
    if "subject" in params:
        falls = falls.filter(
            patient_id__in={patient_id("subject", part) for part in params["subject"].split(",")}
        )
    if "date" in params:
        # The clinic-local date the fall happened on (USE_TZ: __date is in TIME_ZONE).
        falls = falls.filter(**date_filter("occurred_at__date", params["date"]))
    falls = falls.order_by("-occurred_at", "-pk")
    page = _page(falls, criteria)
    return Found(
        falls.count(),
        [mapping.adverse_event_resource(fall) for fall in page],
        {fall.patient_id for fall in page},
    )


# DeviceRequest, ServiceRequest, Task, CarePlan, MedicationStatement: by patient and status --


def _statuses_in(statuses):
    """The filter of the records whose status ``statuses`` maps to one of the FHIR codes wanted."""
    return lambda wanted: Q(status__in=[status for status, fhir in statuses.items() if fhir in wanted])


def _searcher(records_of, build, status_filter, order_by):
    """A search of the records ``records_of(user)`` holds by ``patient`` and by ``status`` (the FHIR
    codes ``status_filter`` turns into a filter), newest first by ``order_by``."""

    def search(user, criteria):
        params = criteria.params
        records = records_of(user).listable().select_related("patient")
        if "patient" in params:
            records = records.filter(
                patient_id__in={patient_id("patient", part) for part in params["patient"].split(",")}
            )
        if "status" in params:
            records = records.filter(
                status_filter({token.code for token in tokens("status", params["status"])})
            )
        records = records.order_by(order_by, "-pk")
        page = _page(records, criteria)
        return Found(records.count(), [build(record) for record in page], {r.patient_id for r in page})

    return search


# MedicationStatement ----------------------------------------------------------------------


def _medications(user):
    """Medication events with ``is_latest``: no later valid event of the same drug (``other``:
    of the same name) for the patient; the same day, the one recorded later is later."""
    later = (
        medication_list(user)
        .valid()
        .filter(patient_id=OuterRef("patient_id"), drug=OuterRef("drug"), drug_name=OuterRef("drug_name"))
        .filter(
            Q(occurred_on__gt=OuterRef("occurred_on"))
            | Q(occurred_on=OuterRef("occurred_on"), pk__gt=OuterRef("pk"))
        )
    )
    return medication_list(user).annotate(is_latest=~Exists(later))


MEDICATION_STATUS_FILTERS = {
    "stopped": Q(event="stop"),
    "active": ~Q(event="stop") & Q(is_latest=True),
    "completed": ~Q(event="stop") & Q(is_latest=False),
}


def _medication_statuses(wanted):
    return reduce(or_, (MEDICATION_STATUS_FILTERS.get(code, Q(pk__in=[])) for code in wanted))


# Export -----------------------------------------------------------------------------------


def _listed_patients(user):
    return patient_list(user).filter(entered_in_error_at__isnull=True)


def _exported(model, *related):
    """The listable records of ``model`` in the user's clinics, with what their resources need
    and nothing more (the lists' selectors also load the staff who recorded each record: a third
    of an export's time)."""
    return lambda user: (
        model.objects.visible_to(user).listable().select_related("patient").prefetch_related(*related)
    )


def _exported_assessments(user):
    return _exported(Assessment)(user).with_mrc_sum()


def _attach_scores(assessments):
    """Each assessment's scores and MAS scores as value rows (named tuples with the fields the
    mapping reads), two queries a chunk: a model instance per score, as a prefetch builds, was a
    sixth of an export's time."""
    by_id = {assessment.pk: assessment for assessment in assessments}
    for assessment in assessments:
        assessment.score_rows, assessment.spasticity_rows = [], []
    for model, fields, rows_of in (
        (MuscleScore, ("grade", "weakness_type"), attrgetter("score_rows")),
        (SpasticityScore, ("mas",), attrgetter("spasticity_rows")),
    ):
        rows = (
            model.objects.filter(assessment_id__in=list(by_id))
            .order_by()
            .values_list("assessment_id", "pk", "muscle_group", "side", *fields, named=True)
        )
        for row in rows:
            rows_of(by_id[row.assessment_id]).append(row)


def _assessment_observations(assessment):
    return mapping.assessment_observations(
        assessment, scores=assessment.score_rows, spasticity_scores=assessment.spasticity_rows
    )


def _one(build):
    return lambda record: [build(record)]


# CodeSystem -------------------------------------------------------------------------------


def _code_system_read(user, resource_id):
    if resource_id not in mapping.CODE_SYSTEMS:
        raise NotFound
    return mapping.code_system_resource(resource_id), None


PATIENT_PARAMS = {
    "_id": ("token", "The patient's id (comma-separated: any of them)."),
    "identifier": ("token", "The MRN: system {FHIR_BASE_URL}/sid/mrn/<clinic code>, value the MRN."),
    "name": ("string", "The given or family name starts with it (ignoring case)."),
    "birthdate": ("date", "The date of birth: YYYY-MM-DD, with eq, ge, le, gt or lt."),
}
SERVED = {
    resource.name: resource
    for resource in (
        ResourceType(
            "Patient",
            read=_patient_read,
            search=_patient_search,
            search_params=PATIENT_PARAMS,
            documentation="The clinic's patients; the MRN is the identifier.",
            export=Exported(
                _listed_patients,
                lambda patient: [mapping.patient_resource(patient)],
                "clinic",
                attrgetter("pk"),
            ),
        ),
        ResourceType(
            "Condition",
            read=_condition_read,
            search=_condition_search,
            search_params={"patient": ("reference", "The patient: <id> or Patient/<id>.")},
            documentation="Each patient's multiple sclerosis (SNOMED 24700007, ICD-10 G35).",
            export=Exported(
                _listed_patients,
                lambda patient: [mapping.condition_resource(patient)],
                "clinic",
                attrgetter("pk"),
            ),
        ),
        ResourceType(
            "Observation",
            read=_observation_read,
            search=_observation_search,
            search_params={
                "patient": ("reference", "The patient: <id> or Patient/<id>."),
                "code": ("token", "What is measured: a muscle group or an observation-code code."),
                "date": ("date", "The assessment's date: YYYY-MM-DD, with eq, ge, le, gt or lt."),
                "category": ("token", "exam (every Observation served)."),
            },
            documentation=(
                "Per assessment: a panel with a member per graded muscle-side (MRC grade) and per "
                "MAS score, the MRC sum score (derived from the panel), EDSS and timed 25-foot walk."
            ),
            export=Exported(_exported_assessments, _assessment_observations, attach=_attach_scores),
        ),
        ResourceType(
            "AdverseEvent",
            read=_reader(fall_list, mapping.adverse_event_resource),
            search=_adverse_event_search,
            search_params={
                "subject": ("reference", "The patient: <id> or Patient/<id>."),
                "date": ("date", "The clinic-local date of the fall: YYYY-MM-DD, with eq, ge, le, gt or lt."),
            },
            documentation=(
                "Falls (SNOMED 1912002); a near-fall is actuality potential. Notes and contributing "
                "factors in the AE R4 backport extensions (note, contributing-factor)."
            ),
            export=Exported(_exported(FallEvent), _one(mapping.adverse_event_resource)),
        ),
        ResourceType(
            "DeviceRequest",
            read=_reader(device_list, mapping.device_request_resource),
            search=_searcher(
                device_list,
                mapping.device_request_resource,
                _statuses_in(mapping.DEVICE_REQUEST_STATUS),
                "-prescribed_on",
            ),
            search_params={
                "patient": ("reference", "The patient: <id> or Patient/<id>."),
                "status": ("token", "active (in use) or completed (discontinued)."),
            },
            documentation=(
                "Assistive-device prescriptions (the device from a local CodeSystem, its side); "
                "occurrencePeriod ends at the next review while in use; each review is a note."
            ),
            export=Exported(_exported(DevicePrescription, "reviews"), _one(mapping.device_request_resource)),
        ),
        ResourceType(
            "ServiceRequest",
            read=_reader(referral_list, mapping.service_request_resource),
            search=_searcher(
                referral_list,
                mapping.service_request_resource,
                _statuses_in(mapping.SERVICE_REQUEST_STATUS),
                "-referred_on",
            ),
            search_params={
                "patient": ("reference", "The patient: <id> or Patient/<id>."),
                "status": ("token", "draft, active (sent, accepted or seen), completed (closed) or revoked."),
            },
            documentation="Referrals: the service (physiotherapy SNOMED 306170007), urgency, reason, due date.",
            export=Exported(_exported(Referral, "status_changes"), _one(mapping.service_request_resource)),
        ),
        ResourceType(
            "Task",
            read=_reader(referral_list, mapping.task_resource),
            search=_searcher(
                referral_list, mapping.task_resource, _statuses_in(mapping.TASK_STATUS), "-referred_on"
            ),
            search_params={
                "patient": ("reference", "The patient: <id> or Patient/<id>."),
                "status": (
                    "token",
                    "draft, requested, accepted, in-progress, completed, rejected or cancelled.",
                ),
            },
            documentation=(
                "Each referral's status (businessStatus: the clinic's own), focused on its ServiceRequest; "
                "executionPeriod from sending to closing, declining or cancelling."
            ),
            export=Exported(_exported(Referral, "status_changes"), _one(mapping.task_resource)),
        ),
        ResourceType(
            "CarePlan",
            read=_reader(plan_list, mapping.care_plan_resource),
            search=_searcher(
                plan_list, mapping.care_plan_resource, _statuses_in(mapping.CARE_PLAN_STATUS), "-started_on"
            ),
            search_params={
                "patient": ("reference", "The patient: <id> or Patient/<id>."),
                "status": ("token", "active, or completed (ended)."),
            },
            documentation=(
                "Exercise plans: the kind and side, the muscle group and the prescription; period ends "
                "at the review date while active."
            ),
            export=Exported(_exported(ExercisePlan), _one(mapping.care_plan_resource)),
        ),
        ResourceType(
            "MedicationStatement",
            read=_reader(_medications, mapping.medication_statement_resource),
            search=_searcher(
                _medications, mapping.medication_statement_resource, _medication_statuses, "-occurred_on"
            ),
            search_params={
                "patient": ("reference", "The patient: <id> or Patient/<id>."),
                "status": ("token", "active (the drug's latest event), completed (superseded) or stopped."),
            },
            documentation="Medication events: the drug, the dose, what the event did (statusReason).",
            export=Exported(
                lambda user: _medications(user).listable().select_related("patient"),
                _one(mapping.medication_statement_resource),
            ),
        ),
        ResourceType(
            "CodeSystem",
            read=_code_system_read,
            patient_data=False,
            documentation="The local CodeSystems the other resources' codes come from.",
        ),
    )
}
