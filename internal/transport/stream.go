package transport

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/telemetry"
)

// primingDelay is how long the priming event waits to share a write with
// the first events of a stream.
const primingDelay = 5 * time.Millisecond

// maxBuffered bounds the events a stream keeps for replay.
const maxBuffered = 1024

// errStreamClosed is returned by Send on a finished stream; the gateway then
// delivers the message on the session's standalone stream.
var errStreamClosed = errors.New("stream closed")

// stream is one SSE stream of a session (a POST's response stream or the
// standalone GET stream). Events are kept, bounded, so a client that lost
// the connection can resume with Last-Event-ID.
type stream struct {
	id string

	mu        sync.Mutex
	events    []sseEvent
	nextSeq   int64
	dropped   int64
	final     bool // the response has been added (POST streams)
	closed    bool // the session ended
	changed   chan struct{}
	viewerGen int64
	delivered bool
	// onEvent, while set, is called after a message (not the final
	// response) is added: the request's handler starts streaming then.
	onEvent func()
}

type sseEvent struct {
	seq  int64
	data []byte
}

func newStream(id string) *stream {
	return &stream{id: id, changed: make(chan struct{}), nextSeq: 1}
}

func (st *stream) add(data []byte, final bool) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.final || st.closed {
		return errStreamClosed
	}
	st.events = append(st.events, sseEvent{seq: st.nextSeq, data: data})
	st.nextSeq++
	if len(st.events) > maxBuffered {
		n := len(st.events) - maxBuffered
		st.events = append(st.events[:0:0], st.events[n:]...)
		st.dropped += int64(n)
	}
	st.final = final
	close(st.changed)
	st.changed = make(chan struct{})
	return nil
}

// Send implements gateway.Sink.
func (st *stream) Send(msg []byte) error {
	if err := st.add(msg, false); err != nil {
		return err
	}
	st.mu.Lock()
	f := st.onEvent
	st.mu.Unlock()
	if f != nil {
		f()
	}
	return nil
}

func (st *stream) close() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.closed {
		st.closed = true
		close(st.changed)
		st.changed = make(chan struct{})
	}
}

// since returns events after seq, whether the stream is finished, and a
// channel closed on the next change.
func (st *stream) since(seq int64) ([]sseEvent, bool, bool, <-chan struct{}) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var out []sseEvent
	for _, e := range st.events {
		if e.seq > seq {
			out = append(out, e)
		}
	}
	return out, st.final, st.closed, st.changed
}

type httpSession struct {
	h      *HTTPServer
	gs     *gateway.Session
	primed bool // the client speaks 2025-11-25+: send priming events
	// owner is the key of the principal that opened the session (auth
	// on); every later request must come from the same principal.
	owner  string
	ctx    context.Context
	cancel context.CancelFunc
	// closing is set once the session is being closed.
	closing atomic.Bool

	mu         sync.Mutex
	streams    map[string]*stream
	nextStream int64
	standalone *stream
	viewers    int
	// inflight counts requests being handled; lastDone is when the last
	// one finished. A session with a call under way is not idle.
	inflight int
	lastDone time.Time
}

func newHTTPSession(h *HTTPServer) *httpSession {
	ctx, cancel := context.WithCancel(context.Background())
	hs := &httpSession{h: h, ctx: ctx, cancel: cancel, streams: map[string]*stream{}}
	hs.standalone = newStream("0")
	hs.streams["0"] = hs.standalone
	return hs
}

func (hs *httpSession) standaloneSink() gateway.Sink {
	return gateway.SinkFunc(func(b []byte) error { return hs.standalone.add(b, false) })
}

func (hs *httpSession) newStream() *stream {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	hs.nextStream++
	st := newStream(streamIDFor(hs.nextStream))
	hs.streams[st.id] = st
	return st
}

func (hs *httpSession) dropStream(st *stream) {
	hs.mu.Lock()
	delete(hs.streams, st.id)
	hs.mu.Unlock()
}

// lookupEvent parses a Last-Event-ID ("<stream>_<seq>").
func (hs *httpSession) lookupEvent(id string) (*stream, int64, bool) {
	i := strings.LastIndexByte(id, '_')
	if i < 0 {
		return nil, 0, false
	}
	seq, err := strconv.ParseInt(id[i+1:], 10, 64)
	if err != nil || seq < 0 {
		return nil, 0, false
	}
	hs.mu.Lock()
	st := hs.streams[id[:i]]
	hs.mu.Unlock()
	return st, seq, st != nil
}

func (hs *httpSession) idle(timeout time.Duration) bool {
	hs.mu.Lock()
	v, n, last := hs.viewers, hs.inflight, hs.lastDone
	hs.mu.Unlock()
	if a := hs.gs.LastActive(); a.After(last) {
		last = a
	}
	return v == 0 && n == 0 && time.Since(last) > timeout
}

// busy reports whether a request is being handled or answered.
func (hs *httpSession) busy() bool {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	return hs.inflight > 0
}

func (hs *httpSession) close(reason string) {
	hs.closing.Store(true)
	hs.cancel()
	hs.mu.Lock()
	streams := make([]*stream, 0, len(hs.streams))
	for _, st := range hs.streams {
		streams = append(streams, st)
	}
	hs.mu.Unlock()
	for _, st := range streams {
		st.close()
	}
	if hs.gs != nil {
		hs.gs.Close(reason)
	}
}

// request runs one client request. The call runs in the session's context,
// not the HTTP request's: per the specification a dropped connection is not
// a cancellation, and the client may resume the stream with Last-Event-ID.
func (hs *httpSession) request(w http.ResponseWriter, r *http.Request, m *jsonrpc.Message) {
	st := hs.newStream()
	// Clients of 2025-11-25 and later that accept SSE get a primed,
	// resumable stream; others get plain JSON when the response comes
	// before anything else.
	sse := hs.primed && acceptsExplicit(r, "text/event-stream")

	// The request runs in this goroutine. A writer goroutine takes over the
	// response as a stream only when there is something to stream: an event
	// before the response, or (SSE clients) a call still running after
	// primingDelay, whose client then gets the priming event in time.
	var wmu sync.Mutex
	var writer chan struct{}
	finished := false
	startWriter := func() {
		wmu.Lock()
		defer wmu.Unlock()
		if writer != nil || finished {
			return
		}
		writer = make(chan struct{})
		go func(done chan struct{}) {
			defer close(done)
			hs.serveStream(w, r, st, 0, true)
		}(writer)
	}
	st.mu.Lock()
	st.onEvent = startWriter
	st.mu.Unlock()
	var timer *time.Timer
	if sse {
		timer = time.AfterFunc(primingDelay, startWriter)
	}
	hs.mu.Lock()
	hs.inflight++
	hs.mu.Unlock()
	// A request counts as in flight until its response is written (or
	// kept for resumption), so a session the gateway ends is closed only
	// after its requests were answered.
	defer func() {
		hs.mu.Lock()
		hs.inflight--
		hs.lastDone = time.Now()
		hs.mu.Unlock()
	}()
	ctx, rstate := hs.requestContext(r)
	ctx = telemetry.WithHTTPHeaders(ctx, r.Header) // telemetry: a client's traceparent
	// What the gateway puts off until the answer is written (the scan of
	// an annotated result) runs when this returns.
	ctx, afterReply := gateway.WithAfterReply(ctx)
	defer afterReply()
	resp := hs.gs.HandleRequest(ctx, m, st)
	hs.h.afterRequest(r, rstate)
	if timer != nil {
		timer.Stop()
	}
	st.mu.Lock()
	st.onEvent = nil
	st.mu.Unlock()
	addErr := st.add(resp, true)
	wmu.Lock()
	finished = true
	wr := writer
	wmu.Unlock()
	if wr != nil {
		<-wr // the writer delivers the response (or keeps it for resumption)
		return
	}
	if addErr != nil {
		hs.dropStream(st)
		httpError(w, http.StatusNotFound, m.ID, jsonrpc.CodeInvalidRequest, "session ended")
		return
	}
	if r.Context().Err() != nil {
		hs.keepForReplay(st) // the client left; it may resume with Last-Event-ID
		return
	}
	if hs.h.stepUp(w, rstate, resp) {
		hs.dropStream(st)
		return
	}
	if !sse && acceptsAny(r, "application/json") {
		hs.dropStream(st)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(resp)))
		_, _ = w.Write(resp)
		// out now, not when the handler returns: what was put off until
		// the answer is written runs before that
		_ = http.NewResponseController(w).Flush()
		return
	}
	hs.writeFinished(w, st)
}

// finishedBufs hold the bodies writeFinished assembles; a body is written
// before the call returns, so its buffer is free again afterwards.
var finishedBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeFinished answers an SSE client whose response came before anything
// else was streamed: the priming event and the response go out as one body
// with a Content-Length, which net/http sends in a single write (no chunked
// framing, no separate flush of the headers).
func (hs *httpSession) writeFinished(w http.ResponseWriter, st *stream) {
	evs, _, _, _ := st.since(0)
	bp := finishedBufs.Get().(*bytes.Buffer)
	defer func() {
		if bp.Cap() <= 1<<20 {
			bp.Reset()
			finishedBufs.Put(bp)
		}
	}()
	size := 64
	for _, e := range evs {
		size += len(e.data) + 64 + len(st.id)
	}
	buf := bp
	buf.Grow(size)
	if hs.primed {
		buf.WriteString("id: " + st.id + "_0\ndata: \n\n")
	}
	for _, e := range evs {
		writeEvent(buf, st.id, e)
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("X-Accel-Buffering", "no")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := w.Write(buf.Bytes()); err != nil {
		hs.keepForReplay(st)
		return
	}
	if err := rc.Flush(); err != nil {
		hs.keepForReplay(st)
		return
	}
	st.mu.Lock()
	st.delivered = true
	st.mu.Unlock()
	hs.dropStream(st)
}

// keepForReplay forgets a POST stream some time after it finished.
func (hs *httpSession) keepForReplay(st *stream) {
	go func() {
		deadline := time.NewTimer(hs.h.opts.ReplayWindow + hs.h.opts.IdleTimeout)
		defer deadline.Stop()
		for {
			_, final, closed, ch := st.since(1 << 62)
			if final || closed {
				break
			}
			select {
			case <-ch:
			case <-deadline.C:
				hs.dropStream(st)
				return
			case <-hs.ctx.Done():
				return
			}
		}
		select {
		case <-time.After(hs.h.opts.ReplayWindow):
		case <-hs.ctx.Done():
		}
		hs.dropStream(st)
	}()
}

// serveStream writes st's events after seq as SSE until the stream is
// finished (POST streams) or the client goes away. A newer GET on the
// standalone stream takes it over.
func (hs *httpSession) serveStream(w http.ResponseWriter, r *http.Request, st *stream, after int64, isPost bool) {
	fl, ok := w.(http.Flusher)
	if !ok {
		httpError(w, http.StatusInternalServerError, nil, jsonrpc.CodeInternalError, "streaming unsupported")
		return
	}
	st.mu.Lock()
	st.viewerGen++
	gen := st.viewerGen
	st.mu.Unlock()
	hs.mu.Lock()
	hs.viewers++
	hs.mu.Unlock()
	defer func() {
		hs.mu.Lock()
		hs.viewers--
		hs.mu.Unlock()
	}()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache, no-transform")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	if hs.primed && after == 0 {
		// Priming event (2025-11-25): an id the client can resume from.
		// It goes out with the first events when they come within a few
		// milliseconds (one write instead of two for a quick call), else
		// on its own.
		buf.WriteString("id: " + st.id + "_0\ndata: \n\n")
		evs, _, closed, ch := st.since(after)
		if len(evs) == 0 && !closed {
			t := time.NewTimer(primingDelay)
			select {
			case <-ch:
			case <-t.C:
			case <-r.Context().Done():
			}
			t.Stop()
		}
	}
	if buf.Len() == 0 {
		fl.Flush() // the headers, so the client knows the stream is open
	}
	ka := time.NewTicker(hs.h.opts.KeepAlive)
	defer ka.Stop()
	cursor := after
	for {
		evs, final, closed, ch := st.since(cursor)
		if len(evs) > 0 || buf.Len() > 0 {
			for _, e := range evs {
				writeEvent(&buf, st.id, e)
				cursor = e.seq
			}
			_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
			_, err := w.Write(buf.Bytes())
			buf.Reset()
			if err != nil {
				if isPost {
					hs.keepForReplay(st)
				}
				return
			}
			fl.Flush()
			_ = rc.SetWriteDeadline(time.Time{})
		}
		if final {
			st.mu.Lock()
			st.delivered = true
			st.mu.Unlock()
			hs.dropStream(st)
			return
		}
		if closed {
			return
		}
		select {
		case <-ch:
			st.mu.Lock()
			superseded := st.viewerGen != gen
			st.mu.Unlock()
			if superseded {
				return
			}
		case <-ka.C:
			// A client that stops reading must not hold the stream (and its
			// session) forever: the write has a deadline, like events.
			_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
			_, err := w.Write([]byte(": keep-alive\n\n"))
			if err == nil {
				err = rc.Flush()
			}
			_ = rc.SetWriteDeadline(time.Time{})
			if err != nil {
				if isPost {
					hs.keepForReplay(st)
				}
				return
			}
		case <-r.Context().Done():
			if isPost {
				hs.keepForReplay(st)
			}
			return
		case <-hs.ctx.Done():
			return
		}
	}
}

func writeEvent(buf *bytes.Buffer, streamID string, e sseEvent) {
	buf.WriteString("id: ")
	buf.WriteString(streamID)
	buf.WriteByte('_')
	buf.WriteString(strconv.FormatInt(e.seq, 10))
	buf.WriteString("\nevent: message\n")
	// JSON has newlines only as whitespace; each line is one data field.
	// (Read in place: a large result is not split into a slice of lines.)
	data := e.data
	for {
		line, rest, more := bytes.Cut(data, []byte("\n"))
		buf.WriteString("data: ")
		buf.Write(bytes.TrimRight(line, "\r"))
		buf.WriteByte('\n')
		if !more {
			break
		}
		data = rest
	}
	buf.WriteByte('\n')
}
