-- The member register's search index: the beginnings of words of each member's names and e-mail
-- address, folded to [a-z0-9] (see src/members/search.rs). Filled at start-up for members stored
-- before it existed; the 'member_search' row marks that done.
CREATE TABLE member_search (
    term       TEXT NOT NULL,
    person_id  TEXT NOT NULL REFERENCES accounts(person_id),
    PRIMARY KEY (term, person_id)
);
CREATE INDEX member_search_person ON member_search (person_id, term);
INSERT INTO change_counters (name, value) VALUES ('member_search', 0);
