package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

var (
	// ErrClosed is returned by Emit and by sinks after Close.
	ErrClosed = errors.New("audit: closed")
	// ErrNoSinks is returned by Emit on a non-nil Logger without sinks: an
	// event with nowhere to go would otherwise be lost silently.
	ErrNoSinks = errors.New("audit: logger has no sinks")
	// ErrNilEvent is returned by Emit for a nil event.
	ErrNilEvent = errors.New("audit: nil event")
)

// Sink is a destination for audit events. Write must not return before the
// events are handed to durable storage (or to the OS, for file sinks), and
// must return an error if any of them was not. Write must be safe for
// concurrent use. Sinks must not retain or modify the events after Write
// returns.
type Sink interface {
	Write(ctx context.Context, events ...*Event) error
	Close() error
	Name() string
}

// Logger fans events out to its sinks synchronously. The zero value has no
// sinks; a nil *Logger is a no-op (auditing disabled).
type Logger struct {
	mu     sync.RWMutex
	sinks  []Sink
	closed bool
}

// NewLogger returns a Logger writing to every non-nil sink given.
func NewLogger(sinks ...Sink) *Logger {
	l := &Logger{}
	for _, s := range sinks {
		if s != nil {
			l.sinks = append(l.sinks, s)
		}
	}
	return l
}

// Emit fills in SchemaVersion, EventID and Time (see [Normalize]) and writes
// ev synchronously to every sink. It returns nil only if every sink accepted
// the event; otherwise it returns the joined errors of the failing sinks
// (the event is still offered to all sinks). The caller must then fail the
// audited call closed.
//
// The cancellation of ctx is deliberately not passed to the sinks (its
// values are): the event of a call whose client went away must still be
// recorded. Emit never panics; a panicking sink is reported as an error.
// On a nil Logger, Emit does nothing and returns nil.
func (l *Logger) Emit(ctx context.Context, ev *Event) error {
	if l == nil {
		return nil
	}
	if ev == nil {
		return ErrNilEvent
	}
	Normalize(ev)
	if ctx == nil {
		ctx = context.Background()
	}
	ctx = context.WithoutCancel(ctx)

	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return ErrClosed
	}
	if len(l.sinks) == 0 {
		return ErrNoSinks
	}
	// Encode once for every sink (each may still redact its copy).
	if enc, err := encodeEvent(ev); err == nil {
		ev.enc = enc
	}
	var errs []error
	for _, s := range l.sinks {
		if err := writeSink(ctx, s, ev); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func writeSink(ctx context.Context, s Sink, ev *Event) (err error) {
	name := "?"
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("audit sink %s: panic: %v", name, r)
		}
	}()
	name = s.Name()
	if err := s.Write(ctx, ev); err != nil {
		return fmt.Errorf("audit sink %s: %w", name, err)
	}
	return nil
}

// Close waits for in-flight Emit calls, then closes every sink, the last
// given first, and returns their joined errors. Emit after Close returns ErrClosed. Close is
// idempotent; closing a nil Logger is a no-op.
func (l *Logger) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	var errs []error
	// Last sink first: a later sink may still hand an event to an earlier
	// one while it closes (the write-behind store's gap event goes into
	// the JSONL file).
	for i := len(l.sinks) - 1; i >= 0; i-- {
		if err := closeSink(l.sinks[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func closeSink(s Sink) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("audit sink close: panic: %v", r)
		}
	}()
	if err := s.Close(); err != nil {
		return fmt.Errorf("audit sink %s close: %w", s.Name(), err)
	}
	return nil
}

// Normalize prepares ev for writing; Logger.Emit calls it, and sinks call it
// for events written to them directly. It
//   - sets SchemaVersion if empty, EventID (UUIDv7) if empty and Time
//     (now) if zero, and converts Time to UTC;
//   - replaces Arguments that are not valid JSON with a JSON string holding
//     the original bytes and sets Detail["arguments_invalid_json"]=true, so
//     malformed input is recorded rather than failing the write;
//   - replaces a NaN or infinite DurationMS (unencodable in JSON) with 0;
//   - clears Chain (each sink chains the bytes it writes).
//
// It is idempotent.
func Normalize(ev *Event) {
	if ev == nil {
		return
	}
	if ev.SchemaVersion == "" {
		ev.SchemaVersion = SchemaVersion
	}
	if ev.EventID == "" {
		ev.EventID = NewEventID()
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	if ev.Time.Location() != time.UTC {
		ev.Time = ev.Time.UTC()
	}
	if len(ev.Arguments) > 0 && !json.Valid(ev.Arguments) {
		quoted, _ := json.Marshal(string(ev.Arguments)) // strings always encode
		ev.Arguments = quoted
		if ev.Detail == nil {
			ev.Detail = make(map[string]any, 1)
		}
		ev.Detail["arguments_invalid_json"] = true
	}
	if math.IsNaN(ev.DurationMS) || math.IsInf(ev.DurationMS, 0) {
		ev.DurationMS = 0
	}
	// The chain belongs to the stream a sink writes, not to the event: a
	// replayed event must not carry its old stream position.
	ev.Chain = nil
}
