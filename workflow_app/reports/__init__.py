"""Progress reports (รายงานผลการดำเนินงาน) on a plan, built from certified data only.

`model.build_report` reads the database into one frozen `ProgressReport`; `xlsx`, `pdf` and `csv`
render that one model, so the three documents agree with each other and with the audit head they
state. Decisions:

- As at: the end of quarter N of the plan's fiscal year (midnight in Bangkok after its last day;
  FY 2568 Q1 ends 31 Dec 2567 B.E. = 2024-12-31), or now. A level counts when its approval was
  recorded before that moment and not revoked before it; approvals and revocations are replayed
  from the decisions table, each of which names its audit entry.
- Audit head: read first; decisions after it are ignored, so a report is exactly the log's state
  at the sequence number and hash it prints, even while others keep certifying.
- Who: auditors and administrators get the whole plan; division heads get the activities their
  grant covers (the whole plan for a department's head); officers, reviewers and heads of units
  with nothing in the plan get 403 (`access`). The command line serves the server's operator and
  reports on the whole plan.
- Language: the documents are the Thai official form whatever the interface language; dates are
  Buddhist era, Bangkok time; digits are Arabic, as stored (the plan's own text keeps its Thai
  digits).
- PDF: fpdf2 with HarfBuzz shaping, pythainlp word breaks and an /ActualText per line, so that it
  looks right and extracts right (`thai_pdf`). ReportLab misplaces Thai marks and WeasyPrint's
  text layer swaps า/ำ, so neither was used.
"""
