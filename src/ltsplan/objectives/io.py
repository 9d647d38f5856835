"""The objectives' sections of a scenario document: objectives, assessments and statements
(pure; the document as a whole is read by ``pathway.io``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ltsplan.objectives.model import ATTRIBUTIONS, STATUSES, Objective, ObjectiveAssessment, Statement
from ltsplan.pathway.document import source_refs

if TYPE_CHECKING:
    from ltsplan.pathway.io import _Sections

COMMON = ("sources", "recorded", "note")


def read_objective_sections(sections: _Sections) -> None:
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
