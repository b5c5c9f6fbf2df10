-- A state database written by media-monitor at commit e7b3b81 (main before versioned migrations):
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
INSERT INTO "entries" VALUES('Sample wire','sample-wire-0001','https://news.example.org/world/russia-warns-france-troops-ukraine','2026-12-01 04:21:00.448302');
INSERT INTO "entries" VALUES('Sample wire','sample-wire-0002','https://news.example.org/life/parisian-cafes-winter','2026-12-01 04:21:00.448302');
INSERT INTO "entries" VALUES('Sample wire','sample-wire-0003','https://news.example.org/business/ukraine-grain-exports','2026-12-01 04:21:00.448302');
INSERT INTO "entries" VALUES('Atom wire','urn:uuid:entry-1','Atom wire#urn:uuid:entry-1','2026-12-01 04:21:00.494023');
INSERT INTO "entries" VALUES('Atom wire','javascript:alert(1)','Atom wire#javascript:alert(1)','2026-12-01 04:21:00.494023');
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
	listed TEXT,
	PRIMARY KEY (name)
);
INSERT INTO "feeds" VALUES('Down wire','http://127.0.0.1:9/rss.xml',NULL,NULL,NULL,'2026-12-01 04:36:35.898118',NULL,NULL,'2026-12-01 04:21:03.140766',NULL,'ClientConnectorError: Cannot connect to host 127.0.0.1:9 ssl:default [Connect call failed (''127.0.0.1'', 9)]',2,0,NULL);
INSERT INTO "feeds" VALUES('Sample wire','file:///tmp/oldrun/cfg/feeds/sample-wire.xml',NULL,NULL,NULL,'2026-12-01 04:30:34.856861',NULL,NULL,'2026-12-01 04:21:03.148695','2026-12-01 04:21:03.148695',NULL,0,3,'["sample-wire-0001", "sample-wire-0002", "sample-wire-0003"]');
INSERT INTO "feeds" VALUES('Atom wire','file:///tmp/oldrun/cfg/feeds/atom-wire.xml',NULL,NULL,NULL,'2026-12-01 04:30:51.306322',NULL,NULL,'2026-12-01 04:21:03.153244','2026-12-01 04:21:03.153244',NULL,0,2,'["urn:uuid:entry-1", "javascript:alert(1)"]');
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
INSERT INTO "history" VALUES('Sample wire','sample-wire-0001','Russia warns France about deploying troops in Ukraine','Moscow said on Tuesday that any French soldiers sent to Ukraine would be treated as a legitimate target, after President Macron again declined to rule out putting boots on the ground. The Élysée said the remarks changed nothing.','https://news.example.org/world/russia-warns-france-troops-ukraine?utm_source=rss&utm_medium=feed',NULL,'2026-12-01 04:21:00.448302');
INSERT INTO "history" VALUES('Sample wire','sample-wire-0002','Parisian cafés brace for a quiet winter','Owners near Kievskaya station in Moscow and in the Marais say troopers of the tourist trade are thinner on the ground this year.','https://news.example.org/life/parisian-cafes-winter',NULL,'2026-12-01 04:21:00.448302');
INSERT INTO "history" VALUES('Sample wire','sample-wire-0003','Ukraine''s grain exports rise for a third month','Shipments from Odesa grew 8% in October, the agriculture ministry in Kyiv said.','https://news.example.org/business/ukraine-grain-exports',NULL,'2026-12-01 04:21:00.448302');
INSERT INTO "history" VALUES('Atom wire','urn:uuid:entry-1','Élysée responds to Moscow','The French presidency said «no».',NULL,'2026-11-24 08:30:00.000000','2026-12-01 04:21:00.494023');
INSERT INTO "history" VALUES('Atom wire','javascript:alert(1)','Plain <script> title','Fish & chips',NULL,'2026-11-24 08:00:00.000000','2026-12-01 04:21:00.494023');
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
INSERT INTO "outbox" VALUES(1,'https://news.example.org/world/russia-warns-france-troops-ukraine','console','["france-troops-ukraine", "russia-warns"]','{"rules": ["france-troops-ukraine", "russia-warns"], "title": "Russia warns France about deploying troops in Ukraine", "feed": "Sample wire", "link": "https://news.example.org/world/russia-warns-france-troops-ukraine?utm_source=rss&utm_medium=feed", "published": null, "snippet": "Moscow said on Tuesday that any French soldiers sent to Ukraine would be treated as a legitimate target, after President Macron again declined to rule out putting boots on the ground. The \u00c9lys\u00e9e said the remarks changed nothing.", "highlights": [[0, 6], [32, 38], [39, 47], [56, 63], [121, 127], [163, 182], [188, 194]], "actors": ["France", "Ukraine", "Russia"]}','sent',1,'2026-12-01 04:21:00.448302','2026-12-01 04:21:00.448302','2026-12-01 04:21:00.532362',NULL,'["436ba09067d26994"]');
INSERT INTO "outbox" VALUES(2,'https://news.example.org/world/russia-warns-france-troops-ukraine','desk','["france-troops-ukraine", "russia-warns"]','{"rules": ["france-troops-ukraine", "russia-warns"], "title": "Russia warns France about deploying troops in Ukraine", "feed": "Sample wire", "link": "https://news.example.org/world/russia-warns-france-troops-ukraine?utm_source=rss&utm_medium=feed", "published": null, "snippet": "Moscow said on Tuesday that any French soldiers sent to Ukraine would be treated as a legitimate target, after President Macron again declined to rule out putting boots on the ground. The \u00c9lys\u00e9e said the remarks changed nothing.", "highlights": [[0, 6], [32, 38], [39, 47], [56, 63], [121, 127], [163, 182], [188, 194]], "actors": ["France", "Ukraine", "Russia"]}','pending',1,'2026-12-01 04:21:00.448302','2026-12-01 04:21:30.552487',NULL,'json://127.0.0.1:9/hook?method=POST&overflow=upstream&retry=0&wait=0.5&optional=no: FAILURE','[]');
CREATE TABLE stories (
	story_key TEXT NOT NULL,
	feed VARCHAR NOT NULL,
	title TEXT NOT NULL,
	first_seen_at DATETIME NOT NULL,
	PRIMARY KEY (story_key)
);
INSERT INTO "stories" VALUES('https://news.example.org/life/parisian-cafes-winter','Sample wire','Parisian cafés brace for a quiet winter','2026-12-01 04:21:00.448302');
INSERT INTO "stories" VALUES('https://news.example.org/business/ukraine-grain-exports','Sample wire','Ukraine''s grain exports rise for a third month','2026-12-01 04:21:00.448302');
INSERT INTO "stories" VALUES('https://news.example.org/world/russia-warns-france-troops-ukraine','Sample wire','Russia warns France about deploying troops in Ukraine','2026-12-01 04:21:00.448302');
INSERT INTO "stories" VALUES('Atom wire#urn:uuid:entry-1','Atom wire','Élysée responds to Moscow','2026-12-01 04:21:00.494023');
INSERT INTO "stories" VALUES('Atom wire#javascript:alert(1)','Atom wire','Plain <script> title','2026-12-01 04:21:00.494023');
CREATE INDEX entries_by_age ON entries (feed, first_seen_at);
CREATE INDEX ix_stories_first_seen_at ON stories (first_seen_at);
CREATE INDEX ix_history_first_seen_at ON history (first_seen_at);
COMMIT;
