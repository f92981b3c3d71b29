package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// soakResult is the standalone SSE stream soak test.
type soakResult struct {
	DurationS       float64 `json:"duration_s"`
	StayedOpen      bool    `json:"stayed_open"`
	StreamError     string  `json:"stream_error,omitempty"`
	KeepAlives      int     `json:"keep_alives"`
	KeepAlivesMin   int     `json:"keep_alives_expected_min"`
	MaxGapS         float64 `json:"max_keep_alive_gap_s"`
	Events          int     `json:"events"`
	CallOK          bool    `json:"tools_call_ok"`
	CallError       string  `json:"tools_call_error,omitempty"`
	RSSStartKB      int64   `json:"gateway_rss_start_kb"`
	RSSEndKB        int64   `json:"gateway_rss_end_kb"`
	SessionsAtEnd   int     `json:"sessions_at_end"`
	ProtocolVersion string  `json:"protocol_version"`
}

// runSoak opens a gateway session (2025-11-25), holds its standalone GET
// SSE stream open for d while counting keep-alive comments, then checks the
// session still answers a tools/call.
func runSoak(ctx context.Context, gw *proc, base, url, tool string, d, keepAlive time.Duration, progress func(string)) (*soakResult, error) {
	hc := newHTTPClient()
	defer hc.CloseIdleConnections()
	res := &soakResult{}
	if keepAlive > 0 {
		// The first comment comes one interval after the stream opens;
		// allow one to be lost to timer skew at the end.
		res.KeepAlivesMin = max(0, int(d/keepAlive)-1)
	}
	res.RSSStartKB, _ = rssKB(gw.pid())
	s := &rawSession{hc: hc, url: url}
	if err := s.open(ctx); err != nil {
		return nil, fmt.Errorf("soak: open session: %w", err)
	}
	res.ProtocolVersion = s.protocol
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.close(cctx)
	}()
	gctx, gcancel := context.WithCancel(ctx)
	defer gcancel()
	resp, err := s.do(gctx, http.MethodGet, "", "text/event-stream")
	if err != nil {
		return nil, fmt.Errorf("soak: GET stream: %w", err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		return nil, fmt.Errorf("soak: GET stream: HTTP %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	start := time.Now()
	var mu sync.Mutex
	lastKA := start
	ended := make(chan error, 1)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			now := time.Now()
			mu.Lock()
			switch {
			case strings.HasPrefix(line, ": keep-alive"):
				res.KeepAlives++
				res.MaxGapS = max(res.MaxGapS, now.Sub(lastKA).Seconds())
				lastKA = now
			case strings.HasPrefix(line, "data:"):
				res.Events++
			}
			mu.Unlock()
		}
		err := sc.Err()
		if err == nil {
			err = fmt.Errorf("stream ended by the server (EOF)")
		}
		ended <- err
	}()
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	timer := time.NewTimer(d)
	defer timer.Stop()
	res.StayedOpen = true
	streamDone := false
wait:
	for {
		select {
		case err := <-ended:
			streamDone = true
			res.StayedOpen = false
			res.StreamError = err.Error()
			break wait
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
			mu.Lock()
			progress(fmt.Sprintf("soak: %s elapsed, stream open, %d keep-alives", time.Since(start).Round(time.Second), res.KeepAlives))
			mu.Unlock()
		case <-timer.C:
			break wait
		}
	}
	res.DurationS = time.Since(start).Seconds()
	mu.Lock()
	res.MaxGapS = max(res.MaxGapS, time.Since(lastKA).Seconds())
	mu.Unlock()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := s.call(cctx, tool, "still there after the soak"); err != nil {
		res.CallError = err.Error()
	} else {
		res.CallOK = true
	}
	// The stream must still be open after the call too.
	if !streamDone {
		select {
		case err := <-ended:
			streamDone = true
			res.StayedOpen = false
			res.StreamError = "after the call: " + err.Error()
		default:
		}
	}
	gcancel()
	if !streamDone {
		<-ended // the reader stops once the request is cancelled
	}
	res.RSSEndKB, _ = rssKB(gw.pid())
	if h, err := getHealth(base); err == nil {
		res.SessionsAtEnd = h.Sessions
	}
	return res, nil
}
