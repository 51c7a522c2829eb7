# ruff: noqa: E501 - Markdown tables are as wide as their content.
"""The participant API in words: descriptions of the OpenAPI document (prototypes/api/openapi.py).

Markdown, kept apart from the document's structure so that both stay readable; docs/api.md
and the /api/ page are generated from the document, these texts included.
"""

INTRO = """\
The participant player (`/s/<share token>/`) talks to the server through three JSON endpoints (and a fourth,
`POST /scripts/route/<session token>/`, for scripted flows).
No account is involved: the share link's token lets anyone who consents start a session, and
the session's token is then the only key to that session. Any client that follows this
contract (another player, a load test, an integration) can record sessions.

| Endpoint | URL name | Purpose |
|---|---|---|
| `POST /api/studies/<share token>/sessions` | `api_session_start` | start a session after consent |
| `GET /api/sessions/<session token>` | `api_session_state` | the study and where the session stands (resume) |
| `POST /api/sessions/<session token>/events` | `api_events` | record a batch of events |

All answers are JSON. Every error is a 4xx with a body `{"error": "<sentence>"}`; a 5xx only
ever means the server is in trouble, and the client retries it.
"""

CROSS_SITE = """\
The two POST endpoints are exempt from Django's CSRF check: `navigator.sendBeacon`, which the
player uses when the page is closing, cannot send a CSRF header, and there is no cookie-borne
authority to abuse (the token in the URL is the credential). Instead:

* If the request has an `Origin` header, it must be this site: the request's own scheme and
  host, `SITE_URL`, or one of `CSRF_TRUSTED_ORIGINS`. Anything else (including `null`) gets
  **403**.
* A request **without** `Origin` is accepted. Browsers send `Origin` on every cross-site POST,
  so a missing header means a same-origin request (a same-origin beacon may omit it) or a
  client outside a browser, which could forge the header anyway. The unguessable token
  (256 bits) is what guards a session.

The server ignores `Content-Type` and always reads the body as UTF-8 JSON, so a beacon may be
sent as `text/plain` (a "simple" request).
"""

START = """\
`POST /api/studies/<share token>/sessions` after the participant has agreed to the consent
text shown on the welcome page.

```json
{"consent": true, "consent_version": 1, "participant_id": "PROLIFIC-5f0c",
 "screener": {"12": "Weekly", "13": ["Phone", "Laptop"], "14": "34"},
 "invitation": "k3J…"}
```

`consent` must be `true`. Everything else is optional:

* `consent_version`: the version of the consent text the participant read (the player page
  carries it). If the study's text has changed since, **409** with `"code": "consent_changed"`.
* `participant_id`: printable text of at most 128 characters (the player passes on the
  `?pid=` of the share link), stored as the session's external participant id.
* `screener`: the answers to the study's screener questions, by question id: a text for a
  single choice, a list of texts for a multiple choice, a number (or its text) for a number.
  Missing or invalid answers: **400** with `"code": "screener"` and `"errors"` by question id.
* `invitation`: the token of a personal panel invitation (the `?inv=` of the link it
  redirects to). Unknown or already used: **404**/**409** with `"code": "invitation"`.

Admission is decided by the recruitment side (`prototypes.recruitment.admission`): screener
rules and segment quotas. A participant turned away still gets a session (state
`screened_out`, so the funnel counts them) but no study: **201**
`{"session_token": "…", "admitted": false, "refusal": "screener" | "segment_full",
"message": "<polite explanation in the study's language>"}`.

**201** — admitted: the session is created with the study's current revision, consent
version and the time of consent:

```json
{
  "session_token": "Xq3…",
  "admitted": true,
  "study": {"title": "Order tracking", "language": "en", "kind": "paper", "device": "phone",
            "aspect_ratio": 0.462, "show_hotspots_after_misclick": false},
  "tasks": [{"id": 12, "number": 1, "kind": "clickthrough",
             "instruction": "Find out where order 482913 is.",
             "start_screen": 40, "goal_screens": [42], "time_limit_seconds": 120,
             "ask_seq": true, "questions": []}],
  "screens": [{"id": 40, "name": "Home", "image_url": "/media/screens/9f….webp",
               "width": 390, "height": 844,
               "hotspots": [{"id": 7, "label": "My orders", "x": 0.1, "y": 0.8,
                             "width": 0.3, "height": 0.1, "action": "goto", "target": 41}]}],
  "questions": [
    {"id": 3, "kind": "sus", "text": "Please rate…", "required": true,
     "items": ["I think that I would like to use this system frequently.", "…"],
     "scale_min": 1, "scale_max": 5, "anchors": ["Strongly disagree", "Strongly agree"]},
    {"id": 4, "kind": "single", "text": "Would you use it?", "required": true,
     "choices": ["Yes", "No", "Not sure"]},
    {"id": 5, "kind": "rating", "text": "How likely…?", "required": true,
     "scale_min": 1, "scale_max": 10},
    {"id": 6, "kind": "multiple", "…": "…"}, {"id": 7, "kind": "open", "…": "…"}
  ]
}
```

Hotspot geometry is in fractions of the screen image (0–1). `action` is `goto` (to `target`),
`back` (to the previous screen) or `end` (ends the task as if "I'm done" was pressed). Texts
are in the study's language; the SUS items are the validated wording of that language.

A task's `kind` is `clickthrough` (reach a goal screen through the hotspots), `first_click`,
`five_second` or `preference`. Its `questions` (same shape as the study's) are asked right after
it: the recall questions of a five-second test. The other kinds end once answered, with a
`task_end` whose `data.reason` is `done` (their goal is their own screen), and add:

- `first_click` and `five_second`: `"screen": {"id", "name", "image_url", "width", "height"}`,
  the one screen shown; five-second tests also `"exposure_seconds": 5`. The participant's one
  click in a first-click test is a `misclick` event (there is no hotspot to hit) with its `x`
  and `y`; the target area it is judged against is never sent.
- `preference`: `"options": [{"id", "name", "image_url", "width", "height", "label"}]` (screens,
  possibly of other versions), `"preference_question"` and `"reason_question"` (question ids).
  The choice is an `answer` with `{"question": preference_question, "value": "<label>"}`, the
  optional reason an `answer` to `reason_question`; neither carries a `task`.

- `tree_test` (a study on a navigation tree, prototype kind `tree`): no screen
  (`start_screen` is `null`). The answer has, once for all its tree tests,
  `"tree": [{"id", "label", "parent"}]`, the labels in the designer's order, `parent` `null`
  at the top level. The participant moves through the labels; each label shown is a
  `tree_step` event with `{"node": <id>}` (`null` for the top level, when they go back all the
  way up). "I'd find it here" ends the task with a `task_end` of
  `{"reason": "done", "node": <the chosen id>}`; skipping ends it with
  `{"reason": "gave_up"}`. The correct labels are never sent.
- `card_sort`: no screen either. The answer has `"card_sorts": {"<task id>": {"mode": "open" |
  "closed" | "hybrid", "allow_unsorted": bool, "cards": [{"id", "text"}], "categories":
  ["…"]}}`. Each time a card is put in a group it is a `card_place` event with
  `{"card": <id>, "group": "<group name>"}` (`""` when it goes back to the unsorted cards);
  a participant's sort is the last group of each card. Renaming a group in an open sort is a
  `card_place` of each of its cards with the new name. "I'm done sorting" is a `task_end` with
  `{"reason": "done"}`.

The study's `questions` are the ones asked after all the tasks.

In a concept A/B study (several prototype versions compared in one study), an admitted
participant is assigned one concept when the session starts and keeps it (a returning panel
participant, known by `participant_id`, keeps theirs too; `prototypes.studies.ab`). The
answer then holds that concept's version: its `screens` and hotspots, its device in `study`,
and each task's `start_screen`, `goal_screens` and five-second or first-click `screen` as the
counterparts of the study's screens in it (same screen key, or else same name). Events must
refer to those screens; a screen of another concept is refused with a 400 like any unknown
screen. The participant is not told which concept they see.

The study's `kind` is `paper` (screens are images with hotspots) or `scripted` (a flow script: one screen
per step, one hotspot per choice, and `image_url` is `null` because the player page draws the
steps from the script). For a scripted prototype the player page embeds the authoring side's
flow player (`scripted/flow.html`, `script-player.js`); typed answers are routed by
`POST /scripts/route/<session token>/` (authoring's `script_route`) and recorded as `text`
events, choices as `click`s on their hotspots and each step shown as a `navigate`.

Errors: **404** unknown or revoked share link; **409** with `"code": "not_accepting"` the
study is not accepting participants (draft, paused or closed study, link past its closing
date, link quota of completed sessions reached); **400** no consent or a malformed body; **403** foreign `Origin`; **429** too many
sessions started from one address (60 a minute), with `Retry-After`. Starts the server failed
to serve (a 5xx, e.g. while the database was unreachable) do not count against that limit;
starts refused with a 4xx do.
"""

RESUME = """\
`GET /api/sessions/<session token>` answers **200** with the same fields as above plus:

```json
"session": {"state": "active", "tasks_ended": [12], "questions_answered": [3],
            "completion": {"code": "C0DE42", "redirect_url": "https://…"}}
```

`completion` appears only once the session is completed, or finished over a quota (that
participant did the work and gets the code too); the code is earned, not given. The share
link's own completion code and redirect URL win over the study's, and `{pid}` in the redirect
URL becomes the participant id (`prototypes.recruitment.completion.completion_for`).
**404** for an unknown session.
"""

EVENTS = """\
`POST /api/sessions/<session token>/events`

```json
{"events": [ {…}, {…} ], "dropped": 0}
```

* `events`: at most **500** events, and the body at most **1 MB** (else **413**).
* `dropped` (optional): the running total of events the client had to throw away (its
  stored queue was full, or the server refused an event it could not fix). It is a total,
  not a delta, so a batch sent twice cannot count twice; the server keeps the largest value
  reported (`ParticipantSession.dropped_events`).

**200** `{"stored": 18, "duplicates": 2}`: `stored` events were new; `duplicates` counts
events whose `id` was already stored (or repeated within the batch) and were ignored.

#### An event

```json
{"id": "9b2f6d4e-3f0a-4c53-9a57-5d0e1f6f2b1c", "type": "click", "t_ms": 5123,
 "task": 12, "screen": 40, "hotspot": 7, "x": 0.4213, "y": 0.8342}
```

| Field | Type | Meaning |
|---|---|---|
| `id` | UUID string, required | made by the client (`crypto.randomUUID()`); the event's identity |
| `type` | string, required | one of the types below |
| `t_ms` | integer, required | milliseconds since the session started, by the client's clock, 0 to 2,678,400,000 (31 days) |
| `task` | integer or null | a task of this study |
| `screen` | integer or null | a screen of the study's prototype version |
| `hotspot` | integer or null | a hotspot of that version |
| `x`, `y` | number or null | where, as fractions of the screen image, 0 to 1 (finite) |
| `data` | object or null | type-specific, see below |

No other fields are allowed. Strings must not contain NUL characters or lone surrogates
(PostgreSQL cannot store them); `NaN`, `Infinity` and numbers too large for a double are
refused.

| `type` | Needs | `data` |
|---|---|---|
| `task_start` | `task`, `screen` (the start screen; none for a tree test or card sort) | — |
| `click` | `screen`, `hotspot` (on that screen), `x`, `y`; `task` while in a task | — |
| `misclick` | `screen`, `x`, `y` (a click outside every hotspot); no `hotspot` | — |
| `navigate` | `screen` (the screen now shown); `task` | — |
| `give_up` | `task` | — |
| `task_end` | `task`; `screen` (where it ended) | `{"reason": "goal" \\| "done" \\| "gave_up" \\| "timed_out"}`; a tree test's "done" also `"node": <chosen label id>` |
| `tree_step` | `task` (a tree test) | `{"node": <label id of the study's tree> \\| null}` (the label now shown; `null`: the top level) |
| `card_place` | `task` (a card sort) | `{"card": <card id of the task>, "group": "0–120 characters"}` (`""`: unsorted; in a closed sort one of its categories) |
| `answer` (SEQ) | `task` | `{"seq": 1…7}` |
| `answer` (question) | no `task` | `{"question": <id>, "value": …}` |
| `comment` | `screen`, `x`, `y` (the pin); `task` while in a task | `{"text": "1–2000 characters"}` |
| `text` | — | `{"text": "0–2000 characters"}` (typed input) |
| `session_end` | — | — |

An answer's `value` depends on the question's kind: `sus` a list of 10 integers 1–5 (item
order); `open` text of at most 5,000 characters; `single` one of the choices; `multiple` a
list of distinct choices; `rating` an integer from the question's `scale_min` to `scale_max`.

#### What the server derives

In the same transaction as the events, from **all** the session's stored events (never from
the batch alone), so the result does not depend on how batches arrive (with one exception for
attempts in progress, below):

* **Task attempts** (`TaskAttempt`, one per session and task): `started_ms` (first
  `task_start`), `ended_ms` (first `task_end`; later events of the task are ignored), the
  `path` of screens (start screen, then each `navigate`), `clicks`, `misclicks`,
  `first_click_success` (the first click was on a hotspot leading along the expected path, or
  along a shortest route to a goal when none is set; a misclick first is a failure), `seq`
  (latest SEQ answer) and the `outcome`: `timed_out` or `gave_up` from the end reason (or a
  `give_up` event); otherwise success if the path ends on a goal screen — `direct` when it is
  the expected path, or without one a shortest route with no screen seen twice, else
  `indirect`; "I'm done" elsewhere than a goal counts as `gave_up`. Events in the same
  millisecond are ordered task_start, clicks, navigations (and tree steps, card placements),
  comments, give_up, task_end, answers.

  A tree test's attempt has the `path` of labels shown (`tree_step` nodes), `clicks` = steps,
  `first_click_success` (the first top-level label opened leads to a correct label) and the
  `outcome`: `direct` when the chosen label is correct and the path never went back up (each
  step one level down), `indirect` when correct after going back, `gave_up` when the label is
  wrong or the task was skipped (the chosen label, kept in the `task_end`, tells the two apart
  in the report), `timed_out` from the end reason. A card sort's attempt is `direct` once
  "done" (like the other kinds that end on an answer), with `clicks` = placements.

  The stored `outcome` says how the activity ended. A first-click, five-second or preference
  task ends as soon as the participant answers, so it is stored as `direct`; what the attempt
  achieved is told by `prototypes/studies/outcomes.py` (`attempt_outcome`), which the study's
  live progress, the sessions table, the replay and every export use: `on_target` or `missed`
  for a first-click test (its first click inside the target area or not, as the first-click
  result counts it), `seen` for a five-second test, `chosen` for a preference test, and the
  stored outcome otherwise. In the raw-data exports, a first-click test's
  `first_click_success` says likewise whether its first click was on target.

  An attempt is derived again when a batch brings a `task_start`, `give_up`, `task_end` or SEQ
  answer of its task; when it brings any event of its task once the attempt has ended (a late
  or out-of-order batch); and at the session's end (`session_end` derives every attempt of the
  session, and each later batch the attempts it touches). Clicks, misclicks, navigations,
  comments and typed text of a task **in progress** are stored at once but counted only at
  its next boundary: until its task ends, an attempt in progress may show fewer clicks and a
  shorter path than were recorded. Ended attempts, and every attempt of a finished session,
  are always up to date, so reports (which count ended attempts, and treat attempts without
  an outcome as abandoned only once their session has finished) never see the lag; exports
  taken while sessions are still running may. Deriving every attempt on every batch would cost more with each
  batch of a long task.
* **Answers** (`Answer`, one per session and question): the latest answer event by `t_ms`.
* **Comments** (`Comment`): one per `comment` event, with its pin, screen and task.
* **Completion**: the first `session_end` event marks the session completed with
  `finished_at`, and the recruitment quotas are settled in the same transaction
  (`admission.count_completion`): a session finishing once its study's, link's or segment's
  quota is full is marked `screened_out` (over quota), and the completion that fills the
  study's quota closes the study. There is no separate "finish" endpoint: putting the end in the event queue
  keeps it in order behind the events before it.

#### Idempotency

Each event is stored once per `id`: the server skips ids it already has (unique constraint;
on PostgreSQL one `INSERT … ON CONFLICT (uuid) DO NOTHING RETURNING uuid` stores the new
events and names them, elsewhere the known ids are filtered out first) and recomputes what it
derives from the stored events. Sending a batch twice, sending batches out of order, or the
same event in two batches all leave the same rows as a single clean delivery. Batches of one
session are serialised by a row lock on the session, taken by every batch: a batch that ends a
task then always sees the clicks stored beside it, and a batch of clicks always sees that
their task has ended. Clients should therefore **retry freely**: when in doubt, send again.

#### Errors

| Status | When | Client should |
|---|---|---|
| 400 | malformed JSON, wrong types, unknown fields, ids not of this study, NaN/Infinity, NUL characters, invalid answers | not retry as is; the whole batch was refused and nothing stored |
| 403 | `Origin` of another site | stop; keep the events |
| 404 | unknown session | stop; the session is gone |
| 410 | session abandoned or turned away by the screener, or finished more than 24 hours ago | stop |
| 413 | more than 500 events, or a body over 1 MB | split the batch |
| 429 | more than 120 batches a minute for this session (batches answered with a 5xx do not count); `Retry-After` gives seconds | wait `Retry-After`, then retry |
| 5xx / network error | the server or the network is in trouble | retry with backoff |

A session finished less than 24 hours ago (completed, or over quota) still takes events (late
and retried batches); a
session whose study was closed while it was in progress takes events too — closing a study
stops new participants, not the ones already in it.

Rate limiting uses a fixed one-minute window per session token in the shared cache (Redis in
production). If the cache cannot be reached the limit is not applied and the events are
stored: they are always written to the database within the request, never only to the cache.
"""

CLIENT = """\
* Gives every event a UUID (`crypto.randomUUID()`, else a version 4 UUID from
  `crypto.getRandomValues`) and `t_ms` from the session's start time kept with the session,
  never going backwards.
* Keeps the unsent queue in `localStorage`, so a reload, a crash or a closed tab loses
  nothing; it is sent on the next page load.
* Sends batches of up to 100 events, one request at a time, about a second after the last
  event.
* Retries network failures, timeouts (20 s) and 5xx with exponential backoff and jitter
  (1 s doubling up to 60 s, each wait drawn between half and all of the ceiling); honours
  `Retry-After` on 429; retries at once when the browser comes back online.
* Never retries a 4xx as it is: a 400 or 413 batch is split in halves until the one bad event
  is found, which is dropped and counted in `dropped`; 404/409/410 mean the session is gone;
  any other 4xx stops sending from this page (the queue stays stored).
* Caps the stored queue at 5,000 events, dropping the oldest and counting them in `dropped`.
* On `pagehide` and when the page becomes hidden, sends what is left with
  `navigator.sendBeacon` (up to 60 KB). Those events stay queued, because a beacon's fate is
  unknown; the next send repeats them and the server ignores the copies.
* Can be made before its session has a token: the player page carries the study (as the
  session start would answer it) when the start cannot change it (no screener, no concept
  A/B test, not a scripted flow), so "Start" shows the first task at once while the session
  starts in the background, asked again after a network failure, a 429 or a 5xx (up to five
  times, 1 s doubling). The queue holds the events in memory until the token arrives, then
  stores and sends them; if the start is refused (the study closed or filled up meanwhile),
  they are dropped and the participant is told why.
"""

SERVER_SIDE = """\
Demo data and tools record events through the same service the API uses:

```python
from prototypes.player import ingestion, services

session = services.start_session(study, link=share_link, participant_id="", simulated=True)
result = ingestion.ingest_events(
    session.token, events, dropped=0
)  # IngestResult(stored, duplicates)
```

`ingest_events` raises `ingestion.SessionNotFound` (404), `ingestion.SessionClosed` (410) or
`ingestion.BatchError` (400, with `.message` and `.status`) and then stores nothing.
"""

MODERATED = """\
A moderated session (docs/moderated.md) has a **personal link**, `/m/<moderated token>/`: the
study's player, started through a share link of its own, plus five endpoints through which the
player hears the facilitator. The moderated token (256 random bits) is their only key; they
follow the rules above (no CSRF token, a foreign `Origin` gets **403**) and share one limit of
{limit} requests a minute for the moderated session (**429** with `Retry-After`).

1. Once its session has started (or resumed), the player **attaches** it
   (`moderated_api_attach`), so the facilitator's console follows that session.
2. It hears the facilitator's commands on the **stream** (`moderated_api_stream`, server-sent
   events) and, while the stream is not open, **polls** for them (`moderated_api_commands`).
   A command is `{{"id", "kind", "data"}}`; ids increase, and the player applies each once.
3. On a scripted flow's step, it asks where an answer leads (`moderated_api_route`). On a
   `[wizard]` step of a live session with a facilitator there, the answer is a **wizard turn**
   the facilitator answers: the player waits for the `wizard` command, or asks for the turn
   (`moderated_api_turn`) at its deadline, when the step's fallback settles it.

Notes are never sent to the participant.
"""
