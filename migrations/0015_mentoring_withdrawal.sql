-- Who ended a withdrawn match ('mentor', 'mentee' or 'staff'; NULL when it ended with an
-- erasure or before this was recorded) and why, when they said: the other person is told both
-- by mail, and staff see them with the programme's matches.
ALTER TABLE matches ADD COLUMN withdrawn_by TEXT CHECK (withdrawn_by IN ('mentor', 'mentee', 'staff'));
ALTER TABLE matches ADD COLUMN withdrawal_reason TEXT;
