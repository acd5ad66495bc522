-- Placeholder: number 13 belongs to another branch. Migrations run without gaps, so this lets 0014 run on
-- this branch; drop this file when the branch that owns 0013 is merged.
SELECT 1;
