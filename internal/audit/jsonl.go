package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Redactor rewrites a serialized event (one JSON object, no trailing
// newline) before it reaches a sink, e.g. to scrub secrets; see
// [NewRedactor]. It must return valid JSON and must not retain its argument.
type Redactor func([]byte) []byte

// SinkOption configures a sink (the JSONL sinks here and the store sink).
type SinkOption func(*SinkOptions)

// SinkOptions is the resolved option set. Sinks in other packages obtain it
// with [ApplySinkOptions].
type SinkOptions struct {
	// Redactor, if non-nil, is applied to every serialized event.
	Redactor Redactor
	// Sync makes file sinks fsync after every write (slower, survives power
	// loss). Sinks whose writer cannot sync ignore it.
	Sync bool
}

// WithRedactor sets a redactor applied to each serialized event.
func WithRedactor(r Redactor) SinkOption { return func(o *SinkOptions) { o.Redactor = r } }

// WithSync makes the sink fsync after each write when its writer supports it.
func WithSync(sync bool) SinkOption { return func(o *SinkOptions) { o.Sync = sync } }

// ApplySinkOptions resolves opts (nil entries are skipped).
func ApplySinkOptions(opts ...SinkOption) SinkOptions {
	var o SinkOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// MarshalEvent normalizes ev (see [Normalize]) and returns its JSON encoding
// with the redactor (if any) applied. It is the single serialization used by
// all sinks, so the file and the store hold the same bytes.
func MarshalEvent(ev *Event, redact Redactor) ([]byte, error) {
	if ev == nil {
		return nil, ErrNilEvent
	}
	b := ev.enc
	if b == nil {
		Normalize(ev)
		var err error
		if b, err = encodeEvent(ev); err != nil {
			return nil, err
		}
	}
	if redact != nil {
		b = redact(b)
	}
	return b, nil
}

// jsonlSink writes one JSON object per line.
type jsonlSink struct {
	name   string
	opts   SinkOptions
	closer io.Closer // nil if the sink does not own the writer

	mu          sync.Mutex
	w           io.Writer
	closed      bool
	needNewline bool // a previous write failed part-way through a line
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// NewJSONLSink returns a sink that writes each event as one JSON line to w.
// Each Write call (one event, or a batch) is serialized first and then
// handed to w in a single Write under a mutex, so concurrent callers never
// interleave partial lines. The sink does not close w.
func NewJSONLSink(w io.Writer, opts ...SinkOption) Sink {
	return &jsonlSink{name: "jsonl", w: w, opts: ApplySinkOptions(opts...)}
}

// OpenFileSink opens (creating with mode 0600 if needed) path for appending
// and returns a JSONL sink on it; Close closes the file. With O_APPEND each
// write lands at the end of the file even if other processes append too.
// The path "-" means standard output (never closed by the sink). An existing
// file keeps its permissions.
func OpenFileSink(path string, opts ...SinkOption) (Sink, error) {
	o := ApplySinkOptions(opts...)
	if path == "-" {
		o.Sync = false // fsync on a pipe or terminal fails; stdout is best effort
		return &jsonlSink{name: "jsonl:stdout", w: os.Stdout, opts: o}, nil
	}
	if path == "" {
		return nil, errors.New("audit: empty file sink path")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: open file sink: %w", err)
	}
	return &jsonlSink{name: "jsonl:" + path, w: f, closer: f, opts: o}, nil
}

func (s *jsonlSink) Name() string { return s.name }

func (s *jsonlSink) Write(_ context.Context, events ...*Event) error {
	if len(events) == 0 {
		return nil
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 { // do not pin huge buffers
			bufPool.Put(buf)
		}
	}()
	for _, ev := range events {
		b, err := MarshalEvent(ev, s.opts.Redactor)
		if err != nil {
			return err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	data := buf.Bytes()
	if s.needNewline {
		// Terminate the torn line left by a failed write so this batch
		// starts on a line of its own. One extra byte in the same write.
		data = append([]byte{'\n'}, data...)
	}
	n, err := s.w.Write(data)
	if err == nil && n < len(data) {
		err = io.ErrShortWrite
	}
	if err != nil {
		if n > 0 {
			s.needNewline = true
		}
		return fmt.Errorf("audit: write %s: %w", s.name, err)
	}
	s.needNewline = false
	if s.opts.Sync {
		if sy, ok := s.w.(interface{ Sync() error }); ok {
			if err := sy.Sync(); err != nil {
				return fmt.Errorf("audit: sync %s: %w", s.name, err)
			}
		}
	}
	return nil
}

func (s *jsonlSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.closer != nil {
		return s.closer.Close()
	}
	return nil
}
