// Package idplog reads identity-provider log exports (Okta System Log,
// Keycloak user and admin events, Auth0 log events) into store.IDPEvent
// records, for mcpwarden import idp-log. An investigation can then join
// them with the audit trail on the subject (a token's sub), the login, the
// client or the time.
//
// A file is a JSON array of records or a sequence of records (JSON lines,
// or objects one after another). Each record is recognized by its shape:
//
//   - Okta System Log LogEvent (GET /api/v1/logs): uuid, published,
//     eventType, actor{id, alternateId}, client{ipAddress}, outcome{result},
//     authenticationContext{externalSessionId}.
//   - Keycloak user event (GET /admin/realms/R/events, EventRepresentation):
//     time (ms), type, userId, sessionId, clientId, ipAddress, error,
//     details{username}; optional id.
//   - Keycloak admin event (GET /admin/realms/R/admin-events,
//     AdminEventRepresentation): time, operationType, resourceType,
//     resourcePath, authDetails{userId, clientId, ipAddress}, error.
//   - Auth0 log event (GET /api/v2/logs, or a log stream's
//     {"log_id", "data": {...}}): log_id (or _id), date, type, user_id,
//     user_name, client_id, ip.
package idplog

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gowebpki/jcs"

	"github.com/mcpwarden/mcpwarden/internal/store"
)

// Formats accepted by Parse.
const (
	FormatAuto = "auto" // any of the below, recognized per record
	FormatOkta = "okta" // Okta System Log only
	FormatOIDC = "oidc" // Keycloak (user or admin events) or Auth0 only
)

// MaxRecordBytes bounds one record.
const MaxRecordBytes = 1 << 20

// maxErrors is how many bad records Parse reports before it stops.
const maxErrors = 20

// Error is a bad record (or a file that is not an export): the file, the
// line the record starts on, and its position (0-based) in the file.
type Error struct {
	File  string
	Line  int
	Index int // -1: not about one record
	Msg   string
}

func (e *Error) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: record %d: %s", e.File, e.Line, e.Index, e.Msg)
}

// lineCounter is a reader that remembers where lines end, so a byte offset
// of the JSON decoder becomes a line number.
type lineCounter struct {
	r    io.Reader
	off  int64   // bytes read so far
	nl   []int64 // offsets of newlines not yet passed
	line int     // newlines passed
}

func (l *lineCounter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			l.nl = append(l.nl, l.off+int64(i))
		}
	}
	l.off += int64(n)
	return n, err
}

// lineAt returns the 1-based line of offset off; offsets must not go
// backwards between calls.
func (l *lineCounter) lineAt(off int64) int {
	k := 0
	for k < len(l.nl) && l.nl[k] < off {
		k++
	}
	l.line += k
	l.nl = l.nl[k:]
	return l.line + 1
}

// Parse reads one export from r (name is the file, for errors) and calls fn
// for every record, in order. Bad records are reported, up to 20, as one
// error joining *Error values; fn is not called for them (and not at all
// once one was found, so a caller can check a whole file before importing
// any of it). An error from fn stops Parse and is returned as is.
func Parse(r io.Reader, name, format string, fn func(store.IDPEvent) error) error {
	switch format {
	case FormatAuto, FormatOkta, FormatOIDC:
	default:
		return fmt.Errorf("--format must be okta, oidc or auto, got %q", format)
	}
	lc := &lineCounter{r: r}
	br := bufio.NewReaderSize(lc, 64<<10)
	first, base, err := firstByte(br)
	if err == io.EOF {
		return &Error{File: name, Line: 1, Index: -1, Msg: "empty file: expected a JSON array of events or JSON lines"}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	dec := json.NewDecoder(br)
	dec.UseNumber()
	array := first == '['
	if array {
		if _, err := dec.Token(); err != nil {
			return &Error{File: name, Line: lc.lineAt(base), Index: -1, Msg: err.Error()}
		}
	} else if first != '{' {
		return &Error{File: name, Line: lc.lineAt(base), Index: -1, Msg: fmt.Sprintf("expected a JSON array of events or JSON objects (one per line), found %q", first)}
	}
	var errs []error
	for index := 0; ; index++ {
		if array && !dec.More() {
			break
		}
		var raw json.RawMessage
		start := base + dec.InputOffset() + leadingSpace(dec.Buffered())
		err := dec.Decode(&raw)
		if err == io.EOF && !array {
			break
		}
		if err != nil {
			off := start // where the record starts
			var se *json.SyntaxError
			if errors.As(err, &se) {
				off = max(off, base+se.Offset) // where it went wrong
			}
			errs = append(errs, &Error{File: name, Line: lc.lineAt(off), Index: index, Msg: "invalid JSON: " + err.Error()})
			break // the decoder cannot resynchronize
		}
		// raw has no surrounding space: it starts len(raw) before the
		// decoder's position.
		line := lc.lineAt(base + dec.InputOffset() - int64(len(raw)))
		if len(raw) > MaxRecordBytes {
			errs = append(errs, &Error{File: name, Line: line, Index: index, Msg: fmt.Sprintf("record larger than %d bytes", MaxRecordBytes)})
		} else if ev, err := Record(raw, format); err != nil {
			errs = append(errs, &Error{File: name, Line: line, Index: index, Msg: err.Error()})
		} else if len(errs) == 0 && fn != nil {
			if err := fn(ev); err != nil {
				return err
			}
		}
		if len(errs) >= maxErrors {
			errs = append(errs, fmt.Errorf("%s: stopped after %d bad records", name, maxErrors))
			break
		}
	}
	if array && len(errs) == 0 {
		if _, err := dec.Token(); err != nil {
			errs = append(errs, &Error{File: name, Line: lc.lineAt(lc.off), Index: -1, Msg: "unterminated array: " + err.Error()})
		} else if _, err := dec.Token(); err != io.EOF {
			errs = append(errs, &Error{File: name, Line: lc.lineAt(base + dec.InputOffset()), Index: -1, Msg: "unexpected data after the array"})
		}
	}
	return errors.Join(errs...)
}

// leadingSpace counts the separators (white space, commas) at the start of
// what the decoder has buffered: the next record starts after them.
func leadingSpace(r io.Reader) int64 {
	var n int64
	var b [1]byte
	for {
		if k, _ := r.Read(b[:]); k == 0 {
			return n
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n', ',':
			n++
		default:
			return n
		}
	}
}

// firstByte skips white space and a byte order mark and returns the first
// byte (left unread) and how many bytes were skipped.
func firstByte(br *bufio.Reader) (byte, int64, error) {
	var skipped int64
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, skipped, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			skipped++
			continue
		case 0xEF: // a UTF-8 byte order mark
			if next, _ := br.Peek(2); bytes.Equal(next, []byte{0xBB, 0xBF}) {
				_, _ = br.Discard(2)
				skipped += 3
				continue
			}
		}
		return b, skipped, br.UnreadByte()
	}
}

// Record converts one exported record, recognized by its shape and
// restricted to format.
func Record(raw json.RawMessage, format string) (store.IDPEvent, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return store.IDPEvent{}, errors.New("not a JSON object")
	}
	has := func(k string) bool { v, ok := keys[k]; return ok && string(v) != "null" }
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return store.IDPEvent{}, err
	}
	data := json.RawMessage(compact.Bytes())
	switch {
	case has("eventType") || has("published") || has("uuid"):
		if format == FormatOIDC {
			return store.IDPEvent{}, errors.New("an Okta System Log event, but --format is oidc")
		}
		return okta(data)
	case format == FormatOkta:
		return store.IDPEvent{}, errors.New("not an Okta System Log event (no uuid, published, eventType)")
	case has("operationType") && has("time"):
		return keycloakAdmin(data)
	case has("time") && has("type"):
		return keycloak(data)
	case has("log_id") || has("_id") || (has("date") && has("type")):
		return auth0(data)
	}
	return store.IDPEvent{}, errors.New("not an Okta System Log event (uuid, published, eventType), a Keycloak event (time, type) or an Auth0 log event (log_id, date, type)")
}

func strictDecode(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("field %s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		return err
	}
	return nil
}

func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("%s is missing", field)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 time", field, truncate(s))
	}
	return t.UTC(), nil
}

func truncate(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

func require(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s is missing", field)
	}
	return nil
}

// okta: an Okta System Log LogEvent.
func okta(data json.RawMessage) (store.IDPEvent, error) {
	var e struct {
		UUID           string `json:"uuid"`
		Published      string `json:"published"`
		EventType      string `json:"eventType"`
		DisplayMessage string `json:"displayMessage"`
		Actor          *struct {
			ID          string `json:"id"`
			Type        string `json:"type"`
			AlternateID string `json:"alternateId"`
			DisplayName string `json:"displayName"`
		} `json:"actor"`
		Client *struct {
			ID        string `json:"id"`
			IPAddress string `json:"ipAddress"`
		} `json:"client"`
		Outcome *struct {
			Result string `json:"result"`
			Reason string `json:"reason"`
		} `json:"outcome"`
		AuthenticationContext *struct {
			ExternalSessionID string `json:"externalSessionId"`
		} `json:"authenticationContext"`
	}
	if err := strictDecode(data, &e); err != nil {
		return store.IDPEvent{}, fmt.Errorf("Okta System Log event: %w", err)
	}
	for _, f := range [][2]string{{"uuid", e.UUID}, {"eventType", e.EventType}} {
		if err := require(f[0], f[1]); err != nil {
			return store.IDPEvent{}, fmt.Errorf("Okta System Log event: %w", err)
		}
	}
	t, err := parseTime("published", e.Published)
	if err != nil {
		return store.IDPEvent{}, fmt.Errorf("Okta System Log event %s: %w", e.UUID, err)
	}
	ev := store.IDPEvent{Source: "okta", ID: e.UUID, Time: t, EventType: e.EventType, Data: data}
	if e.Actor != nil {
		ev.Subject, ev.AlternateID = e.Actor.ID, e.Actor.AlternateID
	}
	if e.Client != nil {
		ev.ClientID, ev.IP = e.Client.ID, e.Client.IPAddress
	}
	if e.Outcome != nil {
		ev.Outcome = strings.ToLower(e.Outcome.Result)
	}
	if e.AuthenticationContext != nil {
		ev.SessionID = e.AuthenticationContext.ExternalSessionID
	}
	return ev, nil
}

// hashID is the id of a record that has none: the SHA-256 of its RFC 8785
// canonical form, so the same record exported again (any key order or
// spacing) is recognized.
func hashID(data []byte) string {
	c, err := jcs.Transform(data)
	if err != nil {
		c = data
	}
	h := sha256.Sum256(c)
	return "sha256:" + hex.EncodeToString(h[:])
}

func msTime(field string, raw json.RawMessage) (time.Time, error) {
	ms, err := json.Number(raw).Int64()
	if err != nil || ms <= 0 {
		return time.Time{}, fmt.Errorf("%s %s is not a positive number of milliseconds since 1970", field, truncate(string(raw)))
	}
	return time.UnixMilli(ms).UTC(), nil
}

func outcomeOfError(e string) string {
	if e != "" {
		return "failure"
	}
	return "success"
}

func decodeNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("field %s: expected %s, got JSON %s", te.Field, te.Type, te.Value)
		}
		return err
	}
	return nil
}

// keycloak: a Keycloak user event (EventRepresentation).
func keycloak(data json.RawMessage) (store.IDPEvent, error) {
	var e struct {
		ID        string            `json:"id"`
		Time      json.RawMessage   `json:"time"`
		Type      string            `json:"type"`
		RealmID   string            `json:"realmId"`
		ClientID  string            `json:"clientId"`
		UserID    string            `json:"userId"`
		SessionID string            `json:"sessionId"`
		IPAddress string            `json:"ipAddress"`
		Error     string            `json:"error"`
		Details   map[string]string `json:"details"`
	}
	if err := decodeNumbers(data, &e); err != nil {
		return store.IDPEvent{}, fmt.Errorf("Keycloak event: %w", err)
	}
	if err := require("type", e.Type); err != nil {
		return store.IDPEvent{}, fmt.Errorf("Keycloak event: %w", err)
	}
	t, err := msTime("time", e.Time)
	if err != nil {
		return store.IDPEvent{}, fmt.Errorf("Keycloak event: %w", err)
	}
	id := e.ID
	if id == "" {
		id = hashID(data)
	}
	return store.IDPEvent{Source: "keycloak", ID: id, Time: t, EventType: e.Type, Subject: e.UserID, AlternateID: e.Details["username"],
		ClientID: e.ClientID, IP: e.IPAddress, SessionID: e.SessionID, Outcome: outcomeOfError(e.Error), Data: data}, nil
}

// keycloakAdmin: a Keycloak admin event (AdminEventRepresentation). The
// subject is the administrator who acted; the resource is in data.
func keycloakAdmin(data json.RawMessage) (store.IDPEvent, error) {
	var e struct {
		ID            string          `json:"id"`
		Time          json.RawMessage `json:"time"`
		OperationType string          `json:"operationType"`
		ResourceType  string          `json:"resourceType"`
		AuthDetails   *struct {
			ClientID  string `json:"clientId"`
			UserID    string `json:"userId"`
			IPAddress string `json:"ipAddress"`
		} `json:"authDetails"`
		Error string `json:"error"`
	}
	if err := decodeNumbers(data, &e); err != nil {
		return store.IDPEvent{}, fmt.Errorf("Keycloak admin event: %w", err)
	}
	if err := require("operationType", e.OperationType); err != nil {
		return store.IDPEvent{}, fmt.Errorf("Keycloak admin event: %w", err)
	}
	t, err := msTime("time", e.Time)
	if err != nil {
		return store.IDPEvent{}, fmt.Errorf("Keycloak admin event: %w", err)
	}
	id := e.ID
	if id == "" {
		id = hashID(data)
	}
	typ := "ADMIN_" + e.OperationType
	if e.ResourceType != "" {
		typ += "_" + e.ResourceType // ADMIN_UPDATE_USER
	}
	ev := store.IDPEvent{Source: "keycloak-admin", ID: id, Time: t, EventType: typ, Outcome: outcomeOfError(e.Error), Data: data}
	if a := e.AuthDetails; a != nil {
		ev.Subject, ev.ClientID, ev.IP = a.UserID, a.ClientID, a.IPAddress
	}
	return ev, nil
}

// auth0: an Auth0 log event, bare or as a log stream delivers it.
func auth0(data json.RawMessage) (store.IDPEvent, error) {
	var wrap struct {
		LogID string          `json:"log_id"`
		Data  json.RawMessage `json:"data"`
	}
	if json.Unmarshal(data, &wrap) == nil && len(wrap.Data) > 0 && wrap.Data[0] == '{' {
		ev, err := auth0(wrap.Data)
		if err != nil {
			return ev, err
		}
		if wrap.LogID != "" {
			ev.ID = wrap.LogID
		}
		ev.Data = data // the record as delivered
		return ev, nil
	}
	var e struct {
		LogID    string `json:"log_id"`
		OldID    string `json:"_id"`
		Date     string `json:"date"`
		Type     string `json:"type"`
		ClientID string `json:"client_id"`
		IP       string `json:"ip"`
		UserID   string `json:"user_id"`
		UserName string `json:"user_name"`
	}
	if err := strictDecode(data, &e); err != nil {
		return store.IDPEvent{}, fmt.Errorf("Auth0 log event: %w", err)
	}
	if err := require("type", e.Type); err != nil {
		return store.IDPEvent{}, fmt.Errorf("Auth0 log event: %w", err)
	}
	t, err := parseTime("date", e.Date)
	if err != nil {
		return store.IDPEvent{}, fmt.Errorf("Auth0 log event: %w", err)
	}
	id := e.LogID
	if id == "" {
		id = e.OldID
	}
	if id == "" {
		id = hashID(data)
	}
	return store.IDPEvent{Source: "auth0", ID: id, Time: t, EventType: e.Type, Subject: e.UserID, AlternateID: e.UserName,
		ClientID: e.ClientID, IP: e.IP, Outcome: auth0Outcome(e.Type), Data: data}, nil
}

// auth0Outcome reads success or failure from an Auth0 log type code:
// short codes start with s (success: s, ss, sapi, seacft, ...) or f
// (failure: f, fp, fu, feacft, ...); long ones end in _succeeded or
// _failed. Other codes (warnings, limits) have no outcome.
func auth0Outcome(typ string) string {
	switch {
	case strings.HasSuffix(typ, "_succeeded") || strings.HasSuffix(typ, "_succeed") || strings.HasSuffix(typ, "_success"):
		return "success"
	case strings.HasSuffix(typ, "_failed") || strings.HasSuffix(typ, "_fail") || strings.HasSuffix(typ, "_failure"):
		return "failure"
	case strings.Contains(typ, "_"):
		return ""
	case strings.HasPrefix(typ, "s"):
		return "success"
	case strings.HasPrefix(typ, "f"):
		return "failure"
	}
	return ""
}
