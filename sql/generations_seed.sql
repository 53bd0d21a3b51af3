-- generations_seed.sql: the instance families cbh knows as a previous generation, each with the current family that
-- replaces it at the same size, and the share an EC2 instance saves at AWS's us-east-1 Linux on-demand list prices
-- (t2.micro 0.0116 against t3.micro 0.0104 an hour; m4.large 0.10 against m5.large 0.096; ...), NULL where the sizes
-- differ or the successor costs more at list price. Seeded once: the rows are the user's from then on.
INSERT INTO cbh.instance_generations (family, successor, list_saving)
SELECT * FROM (VALUES
    ('t1', 't3', 0.48), ('t2', 't3', 0.10), ('m1', 'm5', 0.45), ('m3', 'm5', 0.27), ('m4', 'm5', 0.04),
    ('c3', 'c5', 0.19), ('c4', 'c5', 0.15), ('r3', 'r5', 0.24), ('r4', 'r5', 0.05), ('i2', 'i3', 0.63),
    ('d2', 'd3', 0.27), ('m2', 'r5', NULL), ('c1', 'c5', NULL), ('cc2', 'c5', NULL), ('cr1', 'r5', NULL),
    ('hs1', 'd3', NULL), ('g2', 'g4dn', NULL), ('g3', 'g4dn', NULL), ('p2', 'p3', NULL), ('dc1', 'dc2', NULL)
) AS g(family, successor, list_saving)
WHERE NOT EXISTS (SELECT 1 FROM cbh.instance_generations);
