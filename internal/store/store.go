// Package store is mcpwarden's embedded database: SQLite through the pure-Go
// driver modernc.org/sqlite (no cgo), one file next to the gateway.
//
// It holds the audit trail (table audit_events, written through
// [AuditSink] with group commit) and is opened in WAL mode with
// synchronous=NORMAL: a committed transaction survives a crash of the
// process; on power loss the most recent transactions may be lost. The schema
// is versioned in the schema_version table and migrated forward on Open; a
// database written by a newer mcpwarden (unknown version) is refused rather
// than modified.
//
// The store trusts the local filesystem and that nobody but mcpwarden
// modifies the file. Other processes may read it while the gateway runs
// (WAL); a second writing process is serialized by SQLite's locking and
// waits up to BusyTimeout. The database file is created with mode 0600
// because audit events contain tool arguments.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers driver "sqlite"
)

// BusyTimeout is how long a statement waits for a lock held by another
// connection or process before failing with SQLITE_BUSY.
const BusyTimeout = 5 * time.Second

// Store is an open embedded database. It is safe for concurrent use.
type Store struct {
	db     *sql.DB
	path   string
	memory bool
	// barrier is the journaled audit sink writing the store, if any: a
	// reader waits for what it accepted (see AuditSinkJournal).
	barrier atomic.Pointer[auditSink]

	closeOnce sync.Once
	closeErr  error
}

// Open opens (creating if needed) the database at path and migrates its
// schema. path ":memory:" opens a private in-memory database (single
// connection; gone on Close). A file database is put in WAL mode with
// synchronous=NORMAL and a busy timeout of BusyTimeout; Open fails if WAL
// cannot be enabled.
func Open(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: empty database path")
	}
	memory := path == ":memory:"
	if !memory && strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: database path %q must not contain '?' or '#'", path)
	}
	if !memory && !strings.HasPrefix(path, "file:") {
		// Create the file ourselves so it gets 0600 (SQLite would use
		// 0644 minus umask); the -wal and -shm files inherit its mode.
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("store: create %s: %w", path, err)
		}
		_ = f.Close()
	}

	q := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_txlock=immediate", BusyTimeout.Milliseconds())
	if !memory {
		q += "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	db, err := sql.Open("sqlite", path+"?"+q)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if memory {
		// Every connection to ":memory:" is a separate database.
		db.SetMaxOpenConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	s := &Store{db: db, path: path, memory: memory}
	ctx := context.Background()
	if err := s.checkPragmas(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.initAutoVacuum(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// initAutoVacuum puts a new, empty database file in auto_vacuum=INCREMENTAL
// mode, so that retention can hand the pages of deleted events back to the
// filesystem in bounded steps (PRAGMA incremental_vacuum) instead of a full
// VACUUM that would hold the write lock for as long as it takes to copy the
// whole file. The mode can only be chosen before the first table exists (the
// VACUUM of an empty database applies it at once); an older database keeps
// its mode, and its free pages are reused by new events instead.
func (s *Store) initAutoVacuum(ctx context.Context) error {
	if s.memory {
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	defer conn.Close()
	var tables int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&tables); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if tables > 0 {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA auto_vacuum = INCREMENTAL"); err != nil {
		return fmt.Errorf("store: open %s: auto_vacuum: %w", s.path, err)
	}
	// VACUUM fails only if another process is creating the same file at
	// this moment; its mode then stands.
	_, _ = conn.ExecContext(ctx, "VACUUM")
	return nil
}

func (s *Store) checkPragmas(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	if !s.memory && !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("store: %s: journal_mode is %q, WAL required (is the filesystem local?)", s.path, mode)
	}
	return nil
}

// awaitAudit waits until the audit events written so far through a
// journaled sink are committed (bounded; see auditSink.await).
func (s *Store) awaitAudit(ctx context.Context) {
	if k := s.barrier.Load(); k != nil {
		k.await(ctx)
	}
}

// missingRows returns the rows whose event_id is not stored yet.
func (s *Store) missingRows(ctx context.Context, rows []eventRow) ([]eventRow, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	stmt, err := s.db.PrepareContext(ctx, "SELECT 1 FROM audit_events WHERE event_id = ?")
	if err != nil {
		return nil, fmt.Errorf("store: replay the audit journal: %w", err)
	}
	defer stmt.Close()
	var out []eventRow
	seen := make(map[string]bool, len(rows))
	for _, r := range rows {
		if seen[r.id] {
			continue
		}
		seen[r.id] = true
		var one int
		switch err := stmt.QueryRowContext(ctx, r.id).Scan(&one); {
		case errors.Is(err, sql.ErrNoRows):
			out = append(out, r)
		case err != nil:
			return nil, fmt.Errorf("store: replay the audit journal: %w", err)
		}
	}
	return out, nil
}

// Path returns the path the store was opened with.
func (s *Store) Path() string { return s.path }

// Close closes the database. Close audit sinks on the store first; their
// pending writes would fail otherwise. Close is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if !s.memory {
			// Fold the WAL back into the main file so a copied .db is
			// complete; failure here is harmless.
			_, _ = s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		}
		s.closeErr = s.db.Close()
	})
	return s.closeErr
}

// migrations[i] brings the schema from version i to i+1. Append only: never
// edit a released migration.
var migrations = []string{
	// 1: audit events.
	`CREATE TABLE audit_events (
		event_id          TEXT PRIMARY KEY,
		time_ns           INTEGER NOT NULL, -- event time, Unix nanoseconds UTC
		type              TEXT NOT NULL,
		session_id        TEXT,
		correlation_id    TEXT,
		principal_subject TEXT,
		server            TEXT,
		tool              TEXT,
		decision_action   TEXT,
		data              TEXT NOT NULL     -- the full event, JSON (schema_version inside)
	);
	CREATE INDEX audit_events_time        ON audit_events(time_ns);
	CREATE INDEX audit_events_session     ON audit_events(session_id, time_ns);
	CREATE INDEX audit_events_correlation ON audit_events(correlation_id, time_ns);
	CREATE INDEX audit_events_principal   ON audit_events(principal_subject, time_ns);
	CREATE INDEX audit_events_server_tool ON audit_events(server, tool, time_ns);`, // type and decision filter within these (every index costs each insert)
	// 2: the embedded authorization server (package authserver).
	`CREATE TABLE oauth_keys (
		kid         TEXT PRIMARY KEY,
		alg         TEXT NOT NULL,
		private_der BLOB NOT NULL,      -- PKCS#8
		created_ns  INTEGER NOT NULL,
		retired_ns  INTEGER            -- no longer signs; kept for verification until tokens expire
	);
	CREATE TABLE oauth_clients (        -- dynamically registered clients (RFC 7591)
		client_id  TEXT PRIMARY KEY,
		data       TEXT NOT NULL,      -- JSON
		created_ns INTEGER NOT NULL
	);
	CREATE TABLE oauth_refresh_tokens (
		hash       TEXT PRIMARY KEY,   -- SHA-256 of the token, hex
		family     TEXT NOT NULL,      -- all tokens rotated from one grant
		client_id  TEXT NOT NULL,
		subject    TEXT NOT NULL,
		scopes     TEXT NOT NULL,
		auth_ns    INTEGER NOT NULL,
		expires_ns INTEGER NOT NULL,
		used_ns    INTEGER,            -- set when rotated; a second use revokes the family
		revoked    INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX oauth_refresh_family ON oauth_refresh_tokens(family);
	CREATE TABLE oauth_access_tokens (
		jti        TEXT PRIMARY KEY,
		family     TEXT,               -- refresh family, if any
		client_id  TEXT NOT NULL,
		subject    TEXT NOT NULL,
		scopes     TEXT NOT NULL,
		expires_ns INTEGER NOT NULL,
		revoked    INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX oauth_access_family ON oauth_access_tokens(family);
	CREATE INDEX oauth_access_expires ON oauth_access_tokens(expires_ns);`,
	// 3: the gateway as OAuth client of upstream servers (package
	// upstreamauth). Secrets are sealed with a key kept outside the store.
	`CREATE TABLE upstream_oauth_clients (
		server     TEXT NOT NULL,
		issuer     TEXT NOT NULL,
		data_enc   BLOB NOT NULL,      -- sealed registration (client id, secret, method)
		created_ns INTEGER NOT NULL,
		PRIMARY KEY (server, issuer)
	);
	CREATE TABLE upstream_oauth_tokens (
		user_key   TEXT NOT NULL,      -- issuer and subject of the user
		server     TEXT NOT NULL,
		token_enc  BLOB NOT NULL,      -- sealed access and refresh token
		expires_ns INTEGER,
		updated_ns INTEGER NOT NULL,
		PRIMARY KEY (user_key, server)
	);
	CREATE TABLE upstream_oauth_consents (
		user_key   TEXT NOT NULL,
		client_id  TEXT NOT NULL,      -- the MCP client the user approved
		server     TEXT NOT NULL,
		scopes     TEXT NOT NULL,
		granted_ns INTEGER NOT NULL,
		PRIMARY KEY (user_key, client_id, server)
	);`,
	// 4: approvals of held calls (package approval).
	`CREATE TABLE approvals (
		id             TEXT PRIMARY KEY,
		correlation_id TEXT NOT NULL,
		session_id     TEXT,
		server         TEXT NOT NULL,
		tool           TEXT NOT NULL,
		arguments      TEXT NOT NULL,
		principal      TEXT NOT NULL,   -- JSON
		impact         TEXT NOT NULL,
		reason         TEXT NOT NULL,   -- why it was held
		requested_ns   INTEGER NOT NULL,
		expires_ns     INTEGER NOT NULL,
		decided_ns     INTEGER,
		decision       TEXT,            -- approved | denied | timeout | restart
		reviewer       TEXT,
		review_reason  TEXT
	);
	CREATE INDEX approvals_pending ON approvals(decided_ns, requested_ns);`,
	// 5: definitions seen that differ from their pins (package pin), for
	// review and mcpwarden pin approve.
	`CREATE TABLE pin_candidates (
		server     TEXT NOT NULL,
		kind       TEXT NOT NULL,     -- tool | prompt | template | instructions
		name       TEXT NOT NULL,
		hash       TEXT NOT NULL,
		definition TEXT NOT NULL,     -- as the upstream listed it
		status     TEXT NOT NULL,     -- changed | unpinned
		change     TEXT NOT NULL,     -- JSON: diff, capability words, new arguments, severity
		seen_ns    INTEGER NOT NULL,
		PRIMARY KEY (server, kind, name, hash)
	);`,
	// 6: principals held by a detection (package approval, holds.go).
	`CREATE TABLE principal_holds (
		id          TEXT PRIMARY KEY,
		issuer      TEXT NOT NULL,
		subject     TEXT NOT NULL,
		rule        TEXT NOT NULL,    -- the detection rule whose alert held the principal
		reason      TEXT NOT NULL,
		alert_id    TEXT NOT NULL,    -- the alert's event id
		created_ns  INTEGER NOT NULL,
		until_ns    INTEGER NOT NULL,
		released_ns INTEGER,
		releaser    TEXT,
		release_reason TEXT
	);
	CREATE INDEX principal_holds_active ON principal_holds(subject, released_ns, until_ns);`,
	// 7: identity-provider events imported for investigation (mcpwarden
	// import idp-log), to join with audit_events on the subject.
	`CREATE TABLE idp_events (
		source       TEXT NOT NULL,    -- okta | keycloak | keycloak-admin | auth0
		id           TEXT NOT NULL,    -- the record's id in its source (or a hash of the record)
		time_ns      INTEGER NOT NULL, -- event time, Unix nanoseconds UTC
		event_type   TEXT NOT NULL,
		subject      TEXT,             -- the user's id at the IdP (a token's sub)
		alternate_id TEXT,             -- login or email
		client_id    TEXT,
		ip           TEXT,
		session_id   TEXT,             -- the IdP's session
		outcome      TEXT,             -- success | failure | other values of the source, lower case
		data         TEXT NOT NULL,    -- the record as exported, JSON
		imported_ns  INTEGER NOT NULL,
		PRIMARY KEY (source, id)
	);
	CREATE INDEX idp_events_time      ON idp_events(time_ns);
	CREATE INDEX idp_events_subject   ON idp_events(subject, time_ns);
	CREATE INDEX idp_events_alternate ON idp_events(alternate_id, time_ns);
	CREATE INDEX idp_events_session   ON idp_events(session_id, time_ns);`,
	// 8: the gateway's own keys (the correlation key of 2026-07-28 clients).
	`CREATE TABLE gateway_keys (
		name       TEXT PRIMARY KEY,
		key        BLOB NOT NULL,
		created_ns INTEGER NOT NULL
	);`,
}

// DB is the database, for packages that keep their own tables in the store
// (created by the migrations above).
func (s *Store) DB() *sql.DB { return s.db }

// SchemaVersion is the schema version this package migrates to.
func SchemaVersion() int { return len(migrations) }

// Version returns the schema version recorded in the database.
func (s *Store) Version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return int(v.Int64), nil
}

func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("store: create schema_version: %w", err)
	}
	for {
		// One transaction per step; BEGIN IMMEDIATE (see _txlock) makes a
		// concurrent Open by another process wait instead of racing.
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		var cur sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_version").Scan(&cur); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migrate: %w", err)
		}
		v := int(cur.Int64)
		if v > len(migrations) {
			tx.Rollback()
			return fmt.Errorf("store: %s has schema version %d, newer than this build supports (%d)", s.path, v, len(migrations))
		}
		if v == len(migrations) {
			return tx.Rollback()
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_version(version, applied_at) VALUES (?, ?)",
			v+1, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			tx.Rollback()
			return fmt.Errorf("store: migration %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migration %d: %w", v+1, err)
		}
	}
}
