package upstream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	ID    string
	HasID bool
	Event string
	Data  []byte
	Retry time.Duration
}

// sseReader reads events from a text/event-stream body (WHATWG HTML, 9.2).
type sseReader struct {
	br     *bufio.Reader
	max    int
	line   *[]byte // a line longer than br's buffer, from linePool; returned after use
	pooled bool    // br is from postReaders (newPostSSEReader): close returns it
}

// linePool holds the buffers long lines are assembled in (a 64 KiB result
// is one data line), shared by every stream: a reader lives for one POST.
var linePool = sync.Pool{New: func() any { return new([]byte) }}

// release returns the long-line buffer, once the line read into it is no
// longer used.
func (s *sseReader) release() {
	if s.line != nil {
		if cap(*s.line) <= 1<<20 {
			*s.line = (*s.line)[:0]
			linePool.Put(s.line)
		}
		s.line = nil
	}
}

func newSSEReader(r io.Reader, max int) *sseReader {
	return &sseReader{br: bufio.NewReaderSize(r, 16<<10), max: max}
}

// postReaders holds the buffered readers of POST response streams, which
// live as long as one request, reused rather than allocated per request.
// 128 KiB: a result of 64 KiB (its JSON, escapes and all) is one data line
// that fits, so it is copied once, from the buffer into its own
// allocation; a longer line is assembled first (readLine), one copy more.
var postReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 128<<10) }}

// newPostSSEReader is newSSEReader with a pooled buffer; close returns it.
// Nothing Next returns points into the buffer (event data is copied).
func newPostSSEReader(r io.Reader, max int) *sseReader {
	br := postReaders.Get().(*bufio.Reader)
	br.Reset(r)
	return &sseReader{br: br, max: max, pooled: true}
}

// close gives back a pooled reader's buffer; the reader is not used after.
func (s *sseReader) close() {
	s.release()
	if s.pooled {
		s.br.Reset(nil)
		postReaders.Put(s.br)
		s.br, s.pooled = nil, false
	}
}

var errEventTooLarge = errors.New("SSE event too large")

// Next returns the next event with data or an id. Comments are skipped.
// The event's data is its own allocation (the caller keeps it); lines are
// read into a buffer the reader reuses.
func (s *sseReader) Next() (*sseEvent, error) {
	ev := &sseEvent{}
	var data []byte
	hasData := false
	defer s.release()
	for {
		s.release() // the previous line was used up
		line, err := s.readLine()
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			if hasData || ev.HasID {
				ev.Data = bytes.TrimSuffix(data, []byte("\n"))
				return ev, nil
			}
			ev = &sseEvent{}
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			value = bytes.TrimPrefix(value, []byte(" "))
		}
		switch string(field) {
		case "data":
			if len(data)+len(value) > s.max {
				return nil, errEventTooLarge
			}
			if data == nil {
				// Most events are one data line: sized for it exactly.
				data = make([]byte, 0, len(value)+1)
			}
			data = append(data, value...)
			data = append(data, '\n')
			hasData = true
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				ev.ID, ev.HasID = string(value), true
			}
		case "event":
			ev.Event = string(value)
		case "retry":
			// ASCII digits only; a value whose milliseconds do not fit a
			// time.Duration is ignored rather than wrapped around.
			if n, err := strconv.ParseUint(string(value), 10, 64); err == nil && n <= uint64(math.MaxInt64/int64(time.Millisecond)) {
				ev.Retry = time.Duration(n) * time.Millisecond
			}
		}
	}
}

// readLine returns the next line without its end (CR, LF or CRLF trimmed
// as before). The slice is valid until the next call or release.
func (s *sseReader) readLine() ([]byte, error) {
	chunk, err := s.br.ReadSlice('\n')
	if len(chunk) > s.max+64 {
		return nil, errEventTooLarge
	}
	if err == nil {
		// The whole line was in the buffer: no copy.
		return bytes.TrimRight(chunk, "\r\n"), nil
	}
	s.line = linePool.Get().(*[]byte)
	line := append((*s.line)[:0], chunk...)
	for errors.Is(err, bufio.ErrBufferFull) {
		chunk, err = s.br.ReadSlice('\n')
		if len(line)+len(chunk) > s.max+64 {
			*s.line = line
			return nil, errEventTooLarge
		}
		line = append(line, chunk...)
	}
	*s.line = line
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			return bytes.TrimRight(line, "\r\n"), nil
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

// httpStatusError is an HTTP error status from an upstream.
type httpStatusError struct {
	Status int
	Body   string
}

func (e *httpStatusError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body) }

func statusError(code int, body []byte) error {
	if len(body) > 200 {
		body = body[:200]
	}
	return &httpStatusError{Status: code, Body: string(bytes.TrimSpace(body))}
}

// errorCodeFor maps a transport failure to a JSON-RPC code: an upstream
// that refused the request (4xx) versus one that could not answer.
func errorCodeFor(err error) int {
	var he *httpStatusError
	if errors.As(err, &he) && he.Status >= 400 && he.Status < 500 {
		return jsonrpc.CodeInvalidRequest
	}
	return jsonrpc.CodeUpstreamUnavailable
}
