package upstream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
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
	br  *bufio.Reader
	max int
}

func newSSEReader(r io.Reader, max int) *sseReader {
	return &sseReader{br: bufio.NewReaderSize(r, 4<<10), max: max}
}

var errEventTooLarge = errors.New("SSE event too large")

// Next returns the next event with data or an id. Comments are skipped.
func (s *sseReader) Next() (*sseEvent, error) {
	ev := &sseEvent{}
	var data bytes.Buffer
	hasData := false
	for {
		line, err := s.readLine()
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			if hasData || ev.HasID {
				ev.Data = bytes.TrimSuffix(data.Bytes(), []byte("\n"))
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
			if data.Len()+len(value) > s.max {
				return nil, errEventTooLarge
			}
			data.Write(value)
			data.WriteByte('\n')
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

func (s *sseReader) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := s.br.ReadSlice('\n')
		if len(line)+len(chunk) > s.max+64 {
			return nil, errEventTooLarge
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				return bytes.TrimRight(line, "\r\n"), nil
			}
			return nil, err
		}
		return bytes.TrimRight(line, "\r\n"), nil
	}
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
