-- A state database written by media-monitor at commit fee8a67 (before state_retention: no feeds.listed, no entries_by_age, no stories.first_seen_at index):
-- two `once` runs over the example config plus an Atom file feed, a feed whose host
-- refuses the connection and a channel that cannot be reached; dumped with iterdump().
BEGIN TRANSACTION;
CREATE TABLE entries (
	feed VARCHAR NOT NULL,
	entry_key TEXT NOT NULL,
	story_key TEXT NOT NULL,
	first_seen_at DATETIME NOT NULL,
	PRIMARY KEY (feed, entry_key)
);
INSERT INTO "entries" VALUES('Sample wire','sample-wire-0001','https://news.example.org/world/russia-warns-france-troops-ukraine','2026-12-01 04:21:11.353140');
INSERT INTO "entries" VALUES('Sample wire','sample-wire-0002','https://news.example.org/life/parisian-cafes-winter','2026-12-01 04:21:11.353140');
INSERT INTO "entries" VALUES('Sample wire','sample-wire-0003','https://news.example.org/business/ukraine-grain-exports','2026-12-01 04:21:11.353140');
INSERT INTO "entries" VALUES('Atom wire','urn:uuid:entry-1','Atom wire#urn:uuid:entry-1','2026-12-01 04:21:11.397660');
INSERT INTO "entries" VALUES('Atom wire','javascript:alert(1)','Atom wire#javascript:alert(1)','2026-12-01 04:21:11.397660');
CREATE TABLE feeds (
	name VARCHAR NOT NULL,
	url TEXT NOT NULL,
	fetch_url TEXT,
	etag TEXT,
	last_modified TEXT,
	next_poll_at DATETIME,
	hold_until DATETIME,
	gone_at DATETIME,
	last_poll_at DATETIME,
	last_ok_at DATETIME,
	last_error TEXT,
	consecutive_failures INTEGER NOT NULL,
	items_seen INTEGER NOT NULL,
	PRIMARY KEY (name)
);
INSERT INTO "feeds" VALUES('Down wire','http://127.0.0.1:9/rss.xml',NULL,NULL,NULL,'2026-12-01 04:28:11.910420',NULL,NULL,'2026-12-01 04:21:11.316121',NULL,'ClientConnectorError: Cannot connect to host 127.0.0.1:9 ssl:default [Connect call failed (''127.0.0.1'', 9)]',1,0);
INSERT INTO "feeds" VALUES('Sample wire','file:///tmp/oldrun/cfg-older/feeds/sample-wire.xml',NULL,NULL,NULL,'2026-12-01 04:30:52.705182',NULL,NULL,'2026-12-01 04:21:11.353140','2026-12-01 04:21:11.353140',NULL,0,3);
INSERT INTO "feeds" VALUES('Atom wire','file:///tmp/oldrun/cfg-older/feeds/atom-wire.xml',NULL,NULL,NULL,'2026-12-01 04:31:08.248646',NULL,NULL,'2026-12-01 04:21:11.397660','2026-12-01 04:21:11.397660',NULL,0,2);
CREATE TABLE history (
	feed VARCHAR NOT NULL,
	entry_key TEXT NOT NULL,
	title TEXT NOT NULL,
	text TEXT NOT NULL,
	link TEXT,
	published DATETIME,
	first_seen_at DATETIME NOT NULL,
	PRIMARY KEY (feed, entry_key)
);
INSERT INTO "history" VALUES('Sample wire','sample-wire-0001','Russia warns France about deploying troops in Ukraine','Moscow said on Tuesday that any French soldiers sent to Ukraine would be treated as a legitimate target, after President Macron again declined to rule out putting boots on the ground. The Élysée said the remarks changed nothing.','https://news.example.org/world/russia-warns-france-troops-ukraine?utm_source=rss&utm_medium=feed',NULL,'2026-12-01 04:21:11.353140');
INSERT INTO "history" VALUES('Sample wire','sample-wire-0002','Parisian cafés brace for a quiet winter','Owners near Kievskaya station in Moscow and in the Marais say troopers of the tourist trade are thinner on the ground this year.','https://news.example.org/life/parisian-cafes-winter',NULL,'2026-12-01 04:21:11.353140');
INSERT INTO "history" VALUES('Sample wire','sample-wire-0003','Ukraine''s grain exports rise for a third month','Shipments from Odesa grew 8% in October, the agriculture ministry in Kyiv said.','https://news.example.org/business/ukraine-grain-exports',NULL,'2026-12-01 04:21:11.353140');
INSERT INTO "history" VALUES('Atom wire','urn:uuid:entry-1','Élysée responds to Moscow','The French presidency said «no».',NULL,'2026-11-24 08:30:00.000000','2026-12-01 04:21:11.397660');
INSERT INTO "history" VALUES('Atom wire','javascript:alert(1)','Plain <script> title','Fish & chips',NULL,'2026-11-24 08:00:00.000000','2026-12-01 04:21:11.397660');
CREATE TABLE outbox (
	id INTEGER NOT NULL,
	story_key TEXT NOT NULL,
	channel VARCHAR NOT NULL,
	rules TEXT NOT NULL,
	payload TEXT NOT NULL,
	status VARCHAR NOT NULL,
	attempts INTEGER NOT NULL,
	created_at DATETIME NOT NULL,
	next_attempt_at DATETIME NOT NULL,
	sent_at DATETIME,
	last_error TEXT,
	delivered TEXT,
	PRIMARY KEY (id),
	CONSTRAINT one_alert_per_story_per_channel UNIQUE (story_key, channel)
);
INSERT INTO "outbox" VALUES(1,'https://news.example.org/world/russia-warns-france-troops-ukraine','console','["france-troops-ukraine", "russia-warns"]','{"rules": ["france-troops-ukraine", "russia-warns"], "title": "Russia warns France about deploying troops in Ukraine", "feed": "Sample wire", "link": "https://news.example.org/world/russia-warns-france-troops-ukraine?utm_source=rss&utm_medium=feed", "published": null, "snippet": "Moscow said on Tuesday that any French soldiers sent to Ukraine would be treated as a legitimate target, after President Macron again declined to rule out putting boots on the ground. The \u00c9lys\u00e9e said the remarks changed nothing.", "highlights": [[0, 6], [32, 38], [39, 47], [56, 63], [121, 127], [163, 182], [188, 194]], "actors": ["France", "Ukraine", "Russia"]}','sent',1,'2026-12-01 04:21:11.353140','2026-12-01 04:21:11.353140','2026-12-01 04:21:11.429112',NULL,'[0]');
INSERT INTO "outbox" VALUES(2,'https://news.example.org/world/russia-warns-france-troops-ukraine','desk','["france-troops-ukraine", "russia-warns"]','{"rules": ["france-troops-ukraine", "russia-warns"], "title": "Russia warns France about deploying troops in Ukraine", "feed": "Sample wire", "link": "https://news.example.org/world/russia-warns-france-troops-ukraine?utm_source=rss&utm_medium=feed", "published": null, "snippet": "Moscow said on Tuesday that any French soldiers sent to Ukraine would be treated as a legitimate target, after President Macron again declined to rule out putting boots on the ground. The \u00c9lys\u00e9e said the remarks changed nothing.", "highlights": [[0, 6], [32, 38], [39, 47], [56, 63], [121, 127], [163, 182], [188, 194]], "actors": ["France", "Ukraine", "Russia"]}','pending',1,'2026-12-01 04:21:11.353140','2026-12-01 04:21:41.445737',NULL,'json://127.0.0.1:9/hook?method=POST&overflow=upstream&retry=0&wait=0.5&optional=no: FAILURE','[]');
CREATE TABLE stories (
	story_key TEXT NOT NULL,
	feed VARCHAR NOT NULL,
	title TEXT NOT NULL,
	first_seen_at DATETIME NOT NULL,
	PRIMARY KEY (story_key)
);
INSERT INTO "stories" VALUES('https://news.example.org/life/parisian-cafes-winter','Sample wire','Parisian cafés brace for a quiet winter','2026-12-01 04:21:11.353140');
INSERT INTO "stories" VALUES('https://news.example.org/business/ukraine-grain-exports','Sample wire','Ukraine''s grain exports rise for a third month','2026-12-01 04:21:11.353140');
INSERT INTO "stories" VALUES('https://news.example.org/world/russia-warns-france-troops-ukraine','Sample wire','Russia warns France about deploying troops in Ukraine','2026-12-01 04:21:11.353140');
INSERT INTO "stories" VALUES('Atom wire#urn:uuid:entry-1','Atom wire','Élysée responds to Moscow','2026-12-01 04:21:11.397660');
INSERT INTO "stories" VALUES('Atom wire#javascript:alert(1)','Atom wire','Plain <script> title','2026-12-01 04:21:11.397660');
CREATE INDEX ix_history_first_seen_at ON history (first_seen_at);
COMMIT;
