package audit

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// memSink records events; it fails when err is set.
type memSink struct {
	mu     sync.Mutex
	events []*Event
	err    error
	panics bool
	closed bool
	ctxErr error
}

func (m *memSink) Name() string { return "mem" }
func (m *memSink) Write(ctx context.Context, evs ...*Event) error {
	if m.panics {
		panic("boom")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ctxErr = ctx.Err()
	if m.err != nil {
		return m.err
	}
	m.events = append(m.events, evs...)
	return nil
}
func (m *memSink) Close() error { m.mu.Lock(); m.closed = true; m.mu.Unlock(); return nil }

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestEmitFillsFields(t *testing.T) {
	m := &memSink{}
	l := NewLogger(m)
	local := time.Date(2025, 3, 1, 12, 0, 0, 5, time.FixedZone("X", 3600))
	tests := []struct {
		name  string
		ev    *Event
		check func(t *testing.T, ev *Event)
	}{
		{"defaults", &Event{Type: TypeSessionStart}, func(t *testing.T, ev *Event) {
			if ev.SchemaVersion != SchemaVersion {
				t.Errorf("schema_version %q", ev.SchemaVersion)
			}
			if !uuidV7.MatchString(ev.EventID) {
				t.Errorf("event_id %q is not a UUIDv7", ev.EventID)
			}
			if ev.Time.IsZero() || ev.Time.Location() != time.UTC || time.Since(ev.Time) > time.Minute {
				t.Errorf("time %v", ev.Time)
			}
		}},
		{"keeps given id and converts time to UTC", &Event{EventID: "given", Time: local}, func(t *testing.T, ev *Event) {
			if ev.EventID != "given" || !ev.Time.Equal(local) || ev.Time.Location() != time.UTC {
				t.Errorf("got %q %v", ev.EventID, ev.Time)
			}
		}},
		{"invalid arguments recorded as string", &Event{Arguments: json.RawMessage(`{"a":`)}, func(t *testing.T, ev *Event) {
			if string(ev.Arguments) != `"{\"a\":"` || ev.Detail["arguments_invalid_json"] != true {
				t.Errorf("arguments %s detail %v", ev.Arguments, ev.Detail)
			}
		}},
		{"NaN duration", &Event{DurationMS: math.NaN()}, func(t *testing.T, ev *Event) {
			if ev.DurationMS != 0 {
				t.Errorf("duration %v", ev.DurationMS)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := l.Emit(context.Background(), tt.ev); err != nil {
				t.Fatal(err)
			}
			tt.check(t, tt.ev)
		})
	}
}

func TestEventIDsAreTimeOrdered(t *testing.T) {
	prev := ""
	for i := 0; i < 1000; i++ {
		id := NewEventID()
		if id <= prev {
			t.Fatalf("ids not increasing: %s after %s", id, prev)
		}
		prev = id
	}
	if c := NewCorrelationID(); !strings.HasPrefix(c, "c-") || !uuidV7.MatchString(c[2:]) {
		t.Fatalf("correlation id %q", c)
	}
	if id := fallbackID(); !uuidV7.MatchString(id) {
		t.Fatalf("fallback id %q", id)
	}
}

func TestEmitErrors(t *testing.T) {
	tests := []struct {
		name    string
		logger  func() *Logger
		ev      *Event
		wantErr error  // errors.Is target, if any
		wantSub string // substring of the error, if any
	}{
		{"nil logger is a no-op", func() *Logger { return nil }, &Event{}, nil, ""},
		{"failing sink", func() *Logger { return NewLogger(&memSink{err: io.ErrClosedPipe}) }, &Event{}, io.ErrClosedPipe, "audit sink mem"},
		{"one of two sinks fails", func() *Logger { return NewLogger(&memSink{}, &memSink{err: errors.New("disk full")}) }, &Event{}, nil, "disk full"},
		{"panicking sink", func() *Logger { return NewLogger(&memSink{panics: true}) }, &Event{}, nil, "panic: boom"},
		{"no sinks", func() *Logger { return NewLogger() }, &Event{}, ErrNoSinks, ""},
		{"nil sinks dropped", func() *Logger { return NewLogger(nil) }, &Event{}, ErrNoSinks, ""},
		{"nil event", func() *Logger { return NewLogger(&memSink{}) }, nil, ErrNilEvent, ""},
		{"closed", func() *Logger { l := NewLogger(&memSink{}); l.Close(); return l }, &Event{}, ErrClosed, ""},
		{"unencodable detail", func() *Logger { return NewLogger(NewJSONLSink(io.Discard)) }, &Event{Detail: map[string]any{"c": make(chan int)}}, nil, "encode event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.logger().Emit(context.Background(), tt.ev)
			if tt.wantErr == nil && tt.wantSub == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Emit returned nil; a lost event must be an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v is not %v", err, tt.wantErr)
			}
			if tt.wantSub != "" && !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q lacks %q", err, tt.wantSub)
			}
		})
	}
}

func TestEmitWritesToAllSinksEvenIfOneFails(t *testing.T) {
	bad, good := &memSink{err: errors.New("x")}, &memSink{}
	if err := NewLogger(bad, good).Emit(context.Background(), &Event{}); err == nil {
		t.Fatal("want error")
	}
	if len(good.events) != 1 {
		t.Fatal("healthy sink did not get the event")
	}
}

func TestEmitIgnoresCancellation(t *testing.T) {
	m := &memSink{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := NewLogger(m).Emit(ctx, &Event{Type: TypeToolsCall, Status: Status{Outcome: OutcomeCancelled}}); err != nil {
		t.Fatal(err)
	}
	if m.ctxErr != nil || len(m.events) != 1 {
		t.Fatalf("cancelled call's event not recorded (ctxErr=%v, n=%d)", m.ctxErr, len(m.events))
	}
}

func TestCloseWaitsAndClosesSinks(t *testing.T) {
	m := &memSink{}
	l := NewLogger(m)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if !m.closed {
		t.Fatal("sink not closed")
	}
	if err := l.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	var nl *Logger
	if err := nl.Close(); err != nil {
		t.Fatal(err)
	}
}

func sampleEvent() *Event {
	return &Event{
		Type:          TypeToolsCall,
		CorrelationID: "c-0190f1c2-7b3a-7c4d-8e9f-0a1b2c3d4e5f",
		SessionID:     "s-1",
		Principal:     Principal{Subject: "alice@example.com", ClientID: "cli"},
		Client:        &ClientInfo{Name: "claude-code", Version: "1.0.0", ProtocolVersion: "2025-06-18"},
		Transport:     TransportStreamableHTTP,
		RemoteAddr:    "127.0.0.1:53211",
		Server:        "github",
		Tool:          "create_issue",
		ExposedName:   "github__create_issue",
		Arguments:     json.RawMessage(`{"owner":"acme","repo":"web","title":"Fix login","body":"Steps to reproduce: open /login and submit"}`),
		SchemaHash:    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Decision:      Decision{Action: ActionAllow},
		Status:        Status{Outcome: OutcomeOK},
		DurationMS:    12.5,
	}
}

func BenchmarkEmitJSONL(b *testing.B) {
	for _, redact := range []bool{false, true} {
		name := "plain"
		var opts []SinkOption
		if redact {
			name = "redacted"
			opts = append(opts, WithRedactor(NewRedactor([]string{"ghp_notpresent0123456789"})))
		}
		b.Run(name, func(b *testing.B) {
			l := NewLogger(NewJSONLSink(io.Discard, opts...))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					ev := sampleEvent()
					if err := l.Emit(context.Background(), ev); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
	b.Run("file", func(b *testing.B) {
		s, err := OpenFileSink(b.TempDir() + "/audit.jsonl")
		if err != nil {
			b.Fatal(err)
		}
		l := NewLogger(s)
		defer l.Close()
		b.ReportAllocs()
		for b.Loop() {
			if err := l.Emit(context.Background(), sampleEvent()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
