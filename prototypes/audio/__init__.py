"""Think-aloud audio: participants' voices, recorded in the player and stored per session.

Recording (prototypes/static/prototypes/player-audio.js): when a study asks participants to
think aloud (`Study.think_aloud`: off, optional or required) and the participant agrees, the
player records with MediaRecorder (Opus in WebM or Ogg) and uploads a chunk every few seconds to
`POST /api/sessions/<token>/audio/` (prototypes/audio/api.py), keeping unsent chunks in IndexedDB.
docs/audio.md has the whole story: consent, limits, storage, retention.

The API for other areas (transcription, replay, clips, exports):

- Models (prototypes/audio/models.py): `Recording` (one per session that recorded anything,
  `session.recording`) and its `AudioChunk` rows (`recording.chunks`): `segment` (the recorder
  it came from, named by the session-clock ms it started at), `index` (from 0 within its
  segment), `offset_ms` and `duration_ms` on the session's event clock (the clock of
  `Event.t_ms`), `size`, `mime_type`, `file` (a name on the default storage, in the audio/ folder).
- `prototypes.audio.storage.assembled_audio(session) -> Assembled | None` (None: no audio).
  `Assembled.segments` is a list of `Segment`s in time order, one per recorder; each plays on
  its own: `segment.read()` gives the bytes (the chunks concatenated), `segment.mime_type`
  (e.g. "audio/webm;codecs=opus"), and `segment.start_ms`/`end_ms` place the stream's time 0
  and end on the session clock, so a moment t of the stream is `segment.start_ms + t` in
  `Event.t_ms` terms. `Assembled.gaps` lists every `Gap(start_ms, end_ms, reason, segment,
  indexes)`: "missing" (chunks that never arrived; a segment without its first chunk cannot be
  decoded and is wholly a gap) or "not_recorded" (between two recorders, e.g. a reload).
  `Assembled.mime_type` and `Assembled.recorded_ms` sum it up.
- `prototypes.audio.storage.erase_audio(session_ids)`: deletes recordings' rows now and their
  files after the transaction commits (participant erasure and the retention purge call it).
- Designers hear the audio through views checked against their workspace
  (prototypes/audio/views.py): `session_audio` (`/sessions/<pk>/audio/`) lists the segments,
  with the URL of each, and the gaps as JSON; `audio_segment` (`/sessions/<pk>/audio/<segment>`)
  answers one segment's stream. Nothing is served from the media URL.

What is made of the recordings (docs/audio.md, "Transcripts and clips"): `transcription.py`
(speech-to-text engines and decoding, no model of the app), `transcripts.py` (the transcription
job, search, corrections, the export tables), `clips.py` (clips cut for the summary),
`transcript_models.py` (`Transcript`, `TranscriptSegment`, `AudioClip`: all hang from the
Recording, so `erase_audio` deletes them with it), `replay_panel.py` (the replay's think-aloud
panel) and `transcript_views.py`.
"""
