package upstream

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// readAll reads events until an error and returns them with that error.
func readAll(r *sseReader) ([]*sseEvent, error) {
	var evs []*sseEvent
	for {
		ev, err := r.Next()
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
}

// sseWant is an event a test expects.
type sseWant struct {
	ID    string
	HasID bool
	Event string
	Data  string
	Retry time.Duration
}

func TestSSEReader(t *testing.T) {
	type want = sseWant
	cases := []struct {
		name    string
		in      string
		max     int
		want    []want
		err     error // the error that ends the stream
		oneByte bool  // feed the reader one byte at a time
	}{
		{name: "single event", in: "data: {\"a\":1}\n\n", want: []want{{Data: `{"a":1}`}}},
		{name: "no space after colon", in: "data:x\n\n", want: []want{{Data: "x"}}},
		{name: "only one leading space is removed", in: "data:  x \n\n", want: []want{{Data: " x "}}},
		{name: "multi-line data joined with LF", in: "data: a\ndata: b\ndata:\ndata: c\n\n", want: []want{{Data: "a\nb\n\nc"}}},
		{name: "CRLF line endings", in: "id: 7\r\nevent: message\r\ndata: x\r\ndata: y\r\n\r\n", want: []want{{ID: "7", HasID: true, Event: "message", Data: "x\ny"}}},
		{name: "comments are skipped", in: ": keep-alive\n\n: hello\ndata: x\n: between\n\n", want: []want{{Data: "x"}}},
		{name: "comment-only stream yields nothing", in: ": a\n\n: b\n\n", want: nil},
		{name: "id", in: "id: abc_1\ndata: x\n\n", want: []want{{ID: "abc_1", HasID: true, Data: "x"}}},
		{name: "empty id is an id", in: "id\ndata: x\n\n", want: []want{{ID: "", HasID: true, Data: "x"}}},
		{name: "id with NUL is ignored", in: "id: a\x00b\ndata: x\n\n", want: []want{{Data: "x"}}},
		{name: "id without data (priming event)", in: "id: 0_0\ndata: \n\n", want: []want{{ID: "0_0", HasID: true, Data: ""}}},
		{name: "id only, no data field", in: "id: 5\n\n", want: []want{{ID: "5", HasID: true}}},
		{name: "retry", in: "retry: 1500\ndata: x\n\n", want: []want{{Retry: 1500 * time.Millisecond, Data: "x"}}},
		{name: "bad retry ignored", in: "retry: soon\ndata: x\n\nretry: -5\ndata: y\n\n", want: []want{{Data: "x"}, {Data: "y"}}},
		{name: "retry beyond a Duration is ignored", in: "retry: 9223372036855\ndata: x\n\nretry: 99999999999999999\ndata: y\n\nretry: 18446744073709551616\ndata: z\n\n", want: []want{{Data: "x"}, {Data: "y"}, {Data: "z"}}},
		{name: "retry at the Duration limit", in: "retry: 9223372036854\ndata: x\n\n", want: []want{{Retry: 9223372036854 * time.Millisecond, Data: "x"}}},
		{name: "retry with a sign is ignored", in: "retry: +5\ndata: x\n\n", want: []want{{Data: "x"}}},
		{name: "retry alone dispatches nothing", in: "retry: 10\n\ndata: x\n\n", want: []want{{Data: "x"}}},
		{name: "event names", in: "event: endpoint\ndata: /messages\n\nevent: message\ndata: m\n\ndata: plain\n\n",
			want: []want{{Event: "endpoint", Data: "/messages"}, {Event: "message", Data: "m"}, {Data: "plain"}}},
		{name: "event name does not leak into the next event", in: "event: ping\ndata: a\n\ndata: b\n\n", want: []want{{Event: "ping", Data: "a"}, {Data: "b"}}},
		{name: "unknown fields ignored", in: "foo: bar\nfoo\ndata: x\n\n", want: []want{{Data: "x"}}},
		{name: "field without colon", in: "data\n\n", want: []want{{Data: ""}}},
		{name: "colon in value kept", in: "data: a:b: c\n\n", want: []want{{Data: "a:b: c"}}},
		{name: "blank lines between events", in: "\n\n\ndata: a\n\n\n\ndata: b\n\n", want: []want{{Data: "a"}, {Data: "b"}}},
		{name: "two events", in: "id: 1\ndata: a\n\nid: 2\ndata: b\n\n", want: []want{{ID: "1", HasID: true, Data: "a"}, {ID: "2", HasID: true, Data: "b"}}},
		// At the end of the stream an event without its blank line is
		// discarded (WHATWG: pending data is discarded at EOF).
		{name: "no trailing newline", in: "data: a\n\ndata: b", want: []want{{Data: "a"}}},
		{name: "no trailing blank line", in: "data: a\n\ndata: b\n", want: []want{{Data: "a"}}},
		{name: "one byte at a time", in: "id: 9\r\nevent: message\r\ndata: {\"x\":\r\ndata: 1}\r\n\r\n", oneByte: true, want: []want{{ID: "9", HasID: true, Event: "message", Data: "{\"x\":\n1}"}}},
		{name: "data at the limit", in: "data: " + strings.Repeat("a", 64) + "\n\n", max: 64, want: []want{{Data: strings.Repeat("a", 64)}}},
		{name: "multi-line data at the limit", in: "data: " + strings.Repeat("a", 31) + "\ndata: " + strings.Repeat("b", 32) + "\n\n", max: 64,
			want: []want{{Data: strings.Repeat("a", 31) + "\n" + strings.Repeat("b", 32)}}},
		{name: "oversize data line", in: "data: " + strings.Repeat("a", 65) + "\n\n", max: 64, err: errEventTooLarge},
		{name: "oversize across data lines", in: strings.Repeat("data: "+strings.Repeat("a", 20)+"\n", 4) + "\n", max: 64, err: errEventTooLarge},
		{name: "oversize line beyond the buffer", in: "data: " + strings.Repeat("a", 100<<10) + "\n\n", max: 1 << 10, err: errEventTooLarge},
		{name: "oversize comment line", in: ":" + strings.Repeat("c", 200) + "\n\ndata: x\n\n", max: 64, err: errEventTooLarge},
		{name: "event before an oversize one is delivered", in: "data: ok\n\ndata: " + strings.Repeat("a", 100) + "\n\n", max: 64, want: []want{{Data: "ok"}}, err: errEventTooLarge},
		{name: "empty stream", in: "", want: nil},
	}
	// each case with its own reader, and with the pooled readers of POST
	// streams (newPostSSEReader), given back after each case and reused
	for _, pooled := range []bool{false, true} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/pooled=%v", tc.name, pooled), func(t *testing.T) {
				max := tc.max
				if max == 0 {
					max = 1 << 20
				}
				var src io.Reader = strings.NewReader(tc.in)
				if tc.oneByte {
					src = iotest.OneByteReader(src)
				}
				r := newSSEReader(src, max)
				if pooled {
					r = newPostSSEReader(src, max)
					defer r.close()
				}
				checkSSECase(t, r, tc.want, tc.err)
			})
		}
	}
}

func checkSSECase(t *testing.T, r *sseReader, want []sseWant, wantErr error) {
	t.Helper()
	evs, err := readAll(r)
	if wantErr == nil {
		wantErr = io.EOF
	}
	if !errors.Is(err, wantErr) {
		t.Fatalf("stream ended with %v, want %v", err, wantErr)
	}
	if len(evs) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(evs), len(want), evs)
	}
	for i, w := range want {
		got := sseWant{ID: evs[i].ID, HasID: evs[i].HasID, Event: evs[i].Event, Data: string(evs[i].Data), Retry: evs[i].Retry}
		if got != w {
			t.Errorf("event %d = %+v, want %+v", i, got, w)
		}
	}
}

// TestSSEReaderReadError: a transport error ends the stream with that error.
func TestSSEReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	r := newSSEReader(io.MultiReader(strings.NewReader("data: a\n\ndata: b\n"), iotest.ErrReader(boom)), 1<<20)
	evs, err := readAll(r)
	if !errors.Is(err, boom) || len(evs) != 1 || string(evs[0].Data) != "a" {
		t.Fatalf("got %d events, err %v", len(evs), err)
	}
}

// FuzzSSEReader: whatever the bytes, Next never panics, always ends, and
// never returns an event whose data exceeds the limit.
func FuzzSSEReader(f *testing.F) {
	seeds := []string{
		"data: {\"jsonrpc\":\"2.0\"}\n\n",
		"id: 1\r\nevent: message\r\ndata: a\r\ndata: b\r\n\r\n",
		": keep-alive\n\n",
		"retry: 100\nid: x_0\ndata: \n\n",
		"event: endpoint\ndata: /messages?sessionid=1\n\n",
		"data: a\ndata: b\n",
		"data:" + strings.Repeat("x", 300) + "\n\n",
		"id: \x00\ndata\n\n",
		"\r\r\n\n::\n:\n",
		"data: " + strings.Repeat("a\n", 50) + "\n",
		"retry: 9223372036855\ndata: x\n\n",
		"retry: 99999999999999999\ndata: y\n\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint16(64))
		f.Add([]byte(s), uint16(1))
	}
	f.Fuzz(func(t *testing.T, in []byte, lim uint16) {
		max := int(lim%4096) + 1
		r := newSSEReader(bytes.NewReader(in), max)
		// Every event consumes at least one input line, so a reader that
		// returns more events than there are bytes is looping.
		for n := 0; ; n++ {
			if n > len(in)+1 {
				t.Fatalf("more than %d events from %d bytes", n, len(in))
			}
			ev, err := r.Next()
			if err != nil {
				if ev != nil {
					t.Fatalf("event returned with error %v", err)
				}
				if !errors.Is(err, io.EOF) && !errors.Is(err, errEventTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if len(ev.Data) > max {
				t.Fatalf("event data %d bytes > limit %d", len(ev.Data), max)
			}
			if len(ev.ID) > max+64 || len(ev.Event) > max+64 {
				t.Fatalf("id %d / event %d bytes beyond the line limit %d", len(ev.ID), len(ev.Event), max+64)
			}
			if !ev.HasID && len(ev.Data) == 0 && !bytes.Contains(in, []byte("data")) {
				t.Fatalf("empty event without id or data field: %+v", ev)
			}
			if ev.Retry < 0 {
				t.Fatalf("negative retry %v", ev.Retry)
			}
		}
	})
}
