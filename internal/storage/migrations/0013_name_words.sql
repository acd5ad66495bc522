-- Name search by word: every organization name's word suffixes (so any part of a word matches) and every
-- employee name's words (so the surname, given name or patronymic matches by prefix), folded as SearchWords
-- folds them (lower case, ё as е). Kept on write by the storage layer; the migrator fills them for existing
-- rows (and refolds name_search) in the same transaction.

CREATE TABLE organization_words (
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    word            TEXT {{collate_c}} NOT NULL,
    PRIMARY KEY (organization_id, word)
);
CREATE INDEX organization_words_word ON organization_words(word, organization_id);

CREATE TABLE employee_words (
    employee_id TEXT NOT NULL REFERENCES employees(id),
    word        TEXT {{collate_c}} NOT NULL,
    PRIMARY KEY (employee_id, word)
);
CREATE INDEX employee_words_word ON employee_words(word, employee_id);
