-- English names of the registry's free-text terms (issue 16): a project's field (projects.field) and a
-- partner's role (partners.role) are written in Japanese; English pages show the name kept here, else
-- the Japanese one marked "(no English name)" (kpi/names.py). One English name per Japanese term, so
-- every project of a field reads alike. Prefectures are a fixed list, in kpi/prefectures.py.
CREATE TABLE term_names (
    kind VARCHAR NOT NULL CHECK (kind IN ('field', 'role')),
    name_ja VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL CHECK (length(trim(name_en)) > 0),
    PRIMARY KEY (kind, name_ja)
);

-- The common terms, so a registry written with them reads in English from the start. Other terms
-- are added with SQL for now (INSERT INTO term_names VALUES ('field', '宇宙', 'Space')); until then
-- they read "宇宙 (no English name)" on English pages.
INSERT INTO term_names VALUES
    ('field', 'AI', 'AI'),
    ('field', 'エネルギー', 'Energy'),
    ('field', '防災', 'Disaster prevention'),
    ('field', '医療DX', 'Digital healthcare'),
    ('field', 'バイオ', 'Biotechnology'),
    ('field', 'スマート農業', 'Smart agriculture'),
    ('field', '農業', 'Agriculture'),
    ('field', 'モビリティ', 'Mobility'),
    ('field', '観光DX', 'Digital tourism'),
    ('field', 'スマート水産', 'Smart fisheries'),
    ('field', '水産', 'Fisheries'),
    ('field', '環境', 'Environment'),
    ('field', '福祉', 'Welfare'),
    ('field', '教育', 'Education'),
    ('field', 'ものづくり', 'Manufacturing'),
    ('role', '代表機関', 'Lead organization'),
    ('role', '共同研究機関', 'Joint research partner'),
    ('role', '自治体', 'Local government'),
    ('role', '参画企業', 'Participating company')
ON CONFLICT DO NOTHING;
