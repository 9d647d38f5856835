"""The objectives' sections of a scenario document: objectives, assessments and statements
(pure; the document as a whole is read by ``pathway.io``)."""

from __future__ import annotations

from typing import Any, Protocol

from ltsplan.formats.document import Fields, source_refs
from ltsplan.objectives.model import ATTRIBUTIONS, STATUSES, Objective, ObjectiveAssessment, Statement


class Sections(Protocol):
    """The document being read (``pathway.formats`` reads the whole scenario document): each record
    of a section as ``Fields``, the scenario the records go into, and where each record was."""

    scenario: Any

    def each(self, section: str, allowed: tuple[str, ...]) -> list[Fields]: ...

    def keep(self, kind: str, record_id: str, fields: Fields, refs: list[tuple[str, str | None]]) -> None: ...


COMMON = ("sources", "recorded", "note")


def read_objective_sections(sections: Sections) -> None:
    s = sections.scenario
    for f in sections.each("objectives", ("code", "party", "text", "stated_by", "stated", *COMMON)):
        code, party = f.text("code", required=True), f.text("party", required=True)
        text, refs = f.text("text", required=True), source_refs(f)
        if code and party and text:
            o = Objective(code, party, text, f.text("stated_by"), f.day("stated"), f.text("note"))
            s.objectives.append(o)
            sections.keep("objective", o.id, f, refs)
    allowed = ("objective", "assessor", "status", "label", "date", *COMMON)
    for f in sections.each("assessments", allowed):
        objective, assessor = f.text("objective", required=True), f.text("assessor", required=True)
        status, assessed = f.choice("status", STATUSES), f.day("date", required=True)
        refs = source_refs(f)
        if objective and assessor and status and assessed:
            a = ObjectiveAssessment(objective, assessor, status, assessed, f.text("label"), f.text("note"))
            s.assessments.append(a)
            sections.keep("objective_assessment", a.id, f, refs)
    for f in sections.each("statements", ("actor", "date", "quote", "attribution", "about", *COMMON)):
        actor, said = f.text("actor", required=True), f.day("date", required=True)
        quote, refs = f.text("quote", required=True), source_refs(f)
        attribution = f.choice("attribution", ATTRIBUTIONS, "on the record")
        if actor and said and quote and attribution:
            st = Statement(actor, said, quote, attribution, f.text("about"), f.text("note"))
            s.statements.append(st)
            sections.keep("statement", st.id, f, refs)
