-- Personal calendar addresses are resolved to their household from memory (src/calendar.rs)
-- while this counter stays: bumped in the transaction of every change that can stop an address
-- working or point it elsewhere (an address replaced, tokens revoked, an erasure, a member
-- moving household).
INSERT INTO change_counters (name, value) VALUES ('calendar_addresses', 0);
