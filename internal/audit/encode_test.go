package audit

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"
)

// sameAsStdlib asserts appendEvent gives exactly json.Marshal's bytes.
func sameAsStdlib(t *testing.T, ev *Event) {
	t.Helper()
	want, werr := json.Marshal(ev)
	got, ok := appendEvent(nil, ev)
	if werr != nil {
		if ok {
			t.Fatalf("encoding/json refused the event (%v) but appendEvent encoded it: %s", werr, got)
		}
		return
	}
	if !ok {
		// appendEvent may decline; encodeEvent then uses encoding/json.
		enc, err := encodeEvent(ev)
		if err != nil || !bytes.Equal(enc, want) {
			t.Fatalf("fallback differs: %v\n got %s\nwant %s", err, enc, want)
		}
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding differs from encoding/json\n got %s\nwant %s", got, want)
	}
}

func TestAppendEventMatchesEncodingJSON(t *testing.T) {
	base := time.Date(2026, 11, 28, 9, 1, 2, 345678900, time.UTC)
	full := &Event{
		SchemaVersion: SchemaVersion, EventID: NewEventID(), Time: base, Type: TypeToolsCall,
		CorrelationID: "c-1", TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SpanID: "00f067aa0ba902b7", SessionID: "s-1",
		Principal: Principal{Subject: "alice", ClientID: "ide"},
		Client:    &ClientInfo{Name: "claude <code>", Version: "1.0", ProtocolVersion: "2025-11-25"},
		Transport: TransportStreamableHTTP, RemoteAddr: "127.0.0.1:5555",
		Server: "ev", Tool: "echo", ExposedName: "ev__echo", Resource: "file:///a&b",
		Arguments:  json.RawMessage(" {\n\t\"a\" : [1, 2.5e3, true, null],\r \"b\":\"x <y> & \\\" \\u2028 z\u2028\u2029\", \"c\": {} } "),
		SchemaHash: "sha256:00", ContainsBase64: true,
		Decision:   Decision{Action: ActionDeny, Guard: "tools", Reason: "tool \"x\" is denied\n", Code: -32010, WouldDeny: true},
		Status:     Status{Outcome: OutcomeError, ErrorCode: -32603, ErrorMessage: "bad\x00\x01\x1f\x7f\b\f"},
		DurationMS: 12.345,
		Rule:       "mcp.recon", Severity: "high", EventIDs: []string{"e1", "e<2>"}, Summary: "alert \"x\" & y",
		Detail: map[string]any{"z": 1, "a": []any{"<", 2.5}, "m": map[string]any{"k": nil}},
	}
	sameAsStdlib(t, full)
	sameAsStdlib(t, &Event{}) // every optional field empty
	for _, d := range []float64{0, -0, 1, 0.1, 1e-6, 9.99e-7, 1e-7, 1e20, 1e21, 1.5e300, -3.25, 123456789.125, math.SmallestNonzeroFloat64} {
		sameAsStdlib(t, &Event{Time: base, DurationMS: d})
	}
	for _, s := range []string{"", "plain", "\xff\xfe bad utf8 \xc3", "tab\there", "emoji 😀", "\u2028\u2029", "\\", "<script>&amp;", "\u007f\u0080"} {
		sameAsStdlib(t, &Event{Time: base, Tool: s, Decision: Decision{Reason: s}, Arguments: json.RawMessage(mustQuote(s))})
	}
	for _, tm := range []time.Time{{}, base.Add(-base.Sub(base.Truncate(time.Second))), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)} {
		sameAsStdlib(t, &Event{Time: tm})
	}
}

func mustQuote(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

func FuzzAppendEvent(f *testing.F) {
	f.Add("ev", "echo", `{"a":1}`, "reason <&>", 1.5, int64(1764320000000000000), -32010)
	f.Add("\xff", "\u2028", ` [ "\u003c" , 1e-7 ] `, "\x00", 1e-7, int64(0), 0)
	f.Fuzz(func(t *testing.T, server, tool, args, reason string, dur float64, ns int64, code int) {
		ev := &Event{
			SchemaVersion: SchemaVersion, EventID: "e", Time: time.Unix(0, ns).UTC(), Type: TypeToolsCall,
			Server: server, Tool: tool, Principal: Principal{Subject: reason, Scopes: []string{server, tool}, TokenID: tool},
			Decision: Decision{Action: ActionAllow, Reason: reason, Code: code},
			Status:   Status{Outcome: OutcomeOK, ErrorMessage: reason}, DurationMS: dur,
		}
		if json.Valid([]byte(args)) {
			ev.Arguments = json.RawMessage(args)
		}
		if math.IsNaN(dur) || math.IsInf(dur, 0) {
			ev.DurationMS = 0
		}
		sameAsStdlib(t, ev)
	})
}

func BenchmarkEncodeEvent(b *testing.B) {
	ev := &Event{
		SchemaVersion: SchemaVersion, EventID: NewEventID(), Time: time.Now().UTC(), Type: TypeToolsCall,
		CorrelationID: NewCorrelationID(), SessionID: "3b0c2a9e-6f3e-4f5e-9d55-0a4f3b1f9c11",
		Principal: Principal{Subject: "anonymous", Anonymous: true},
		Client:    &ClientInfo{Name: "bench", Version: "1.0", ProtocolVersion: "2025-11-25"},
		Transport: TransportStreamableHTTP, RemoteAddr: "127.0.0.1:40000",
		Server: "demo", Tool: "echo", ExposedName: "demo__echo",
		Arguments:  json.RawMessage(`{"message":"the quick brown fox jumps over the lazy dog, 0123456789 times"}`),
		SchemaHash: "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
		Decision:   Decision{Action: ActionAllow, Guard: "tools"},
		Status:     Status{Outcome: OutcomeOK}, DurationMS: 0.412,
	}
	b.Run("appendEvent", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			buf, _ = appendEvent(buf[:0], ev)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(ev)
		}
	})
}
