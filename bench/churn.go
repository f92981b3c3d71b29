package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// churnResult is the session open/close test: gateway RSS as cycles go by.
type churnResult struct {
	Cycles       int64      `json:"cycles"`
	Requested    int64      `json:"requested"`
	Workers      int        `json:"workers"`
	Errors       int64      `json:"errors"`
	FirstError   string     `json:"first_error,omitempty"`
	DurationS    float64    `json:"duration_s"`
	CyclesPerS   float64    `json:"cycles_per_s"`
	RSS          []rssPoint `json:"rss"`
	SessionsEnd  int        `json:"sessions_at_end"`
	TimedOut     bool       `json:"timed_out"`
	CallPerCycle bool       `json:"tools_call_per_cycle"`
	LoadStart    float64    `json:"loadavg1_start"`
	LoadEnd      float64    `json:"loadavg1_end"`
}

type rssPoint struct {
	Cycles int64 `json:"cycles"`
	RSSKB  int64 `json:"rss_kb"`
	FDs    int   `json:"open_fds"`
}

func point(pid int, cycles int64) rssPoint {
	rss, _ := rssKB(pid)
	return rssPoint{Cycles: cycles, RSSKB: rss, FDs: openFDs(pid)}
}

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"mcpwarden-bench-churn","version":"1.0.0"}}}`
const initializedBody = `{"jsonrpc":"2.0","method":"notifications/initialized"}`

// rawSession speaks raw Streamable HTTP to the gateway.
type rawSession struct {
	hc       *http.Client
	url      string
	id       string
	protocol string
}

func (r *rawSession) do(ctx context.Context, method, body, accept string) (*http.Response, error) {
	var rd io.Reader
	if body != "" {
		rd = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, r.url, rd)
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if r.id != "" {
		req.Header.Set("Mcp-Session-Id", r.id)
		req.Header.Set("MCP-Protocol-Version", r.protocol)
	}
	return r.hc.Do(req)
}

// open runs initialize and notifications/initialized.
func (r *rawSession) open(ctx context.Context) error {
	resp, err := r.do(ctx, http.MethodPost, initBody, "application/json, text/event-stream")
	if err != nil {
		return err
	}
	var res struct {
		Result struct {
			ProtocolVersion string `json:"protocolVersion"`
		} `json:"result"`
	}
	err = decodeJSON(resp.Body, &res)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("initialize: HTTP %d", resp.StatusCode)
	}
	if err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	r.id = resp.Header.Get("Mcp-Session-Id")
	r.protocol = res.Result.ProtocolVersion
	if r.id == "" {
		return fmt.Errorf("initialize: no Mcp-Session-Id")
	}
	resp, err = r.do(ctx, http.MethodPost, initializedBody, "application/json, text/event-stream")
	if err != nil {
		return err
	}
	drain(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("notifications/initialized: HTTP %d", resp.StatusCode)
	}
	return nil
}

// call makes a tools/call and returns the response body (JSON or SSE).
func (r *rawSession) call(ctx context.Context, tool, msg string) (string, error) {
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 2, "method": "tools/call",
		"params": map[string]any{"name": tool, "arguments": map[string]any{"message": msg}}})
	resp, err := r.do(ctx, http.MethodPost, string(b), "application/json, text/event-stream")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("tools/call: HTTP %d: %s", resp.StatusCode, body)
	}
	if !bytes.Contains(body, []byte(msg)) {
		return "", fmt.Errorf("tools/call: answer does not echo the message: %s", body)
	}
	return string(body), nil
}

// close ends the session with DELETE.
func (r *rawSession) close(ctx context.Context) error {
	resp, err := r.do(ctx, http.MethodDelete, "", "")
	if err != nil {
		return err
	}
	drain(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("DELETE: HTTP %d", resp.StatusCode)
	}
	return nil
}

// runChurn opens and closes n sessions on the gateway with workers
// concurrent workers, in 4 equal steps, and reads the gateway's RSS before
// the first step and after each.
func runChurn(ctx context.Context, gw *proc, base, url, tool string, n int64, workers int, withCall bool, timeout time.Duration) *churnResult {
	hc := newHTTPClient()
	defer hc.CloseIdleConnections()
	res := &churnResult{Requested: n, Workers: workers, CallPerCycle: withCall, LoadStart: loadAvg()}
	res.RSS = append(res.RSS, point(gw.pid(), 0))
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var errs atomic.Int64
	var firstErr atomic.Value
	start := time.Now()
	const steps = 4
	var done int64 // cycles finished (successfully or not)
	for step := int64(1); step <= steps; step++ {
		goal := n * step / steps
		var next, finished atomic.Int64
		next.Store(done)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for ctx.Err() == nil {
					if next.Add(1) > goal {
						return
					}
					s := &rawSession{hc: hc, url: url}
					err := s.open(ctx)
					if err == nil && withCall {
						_, err = s.call(ctx, tool, "churn")
					}
					if s.id != "" {
						if cerr := s.close(ctx); err == nil {
							err = cerr
						}
					}
					if err != nil && ctx.Err() != nil {
						return
					}
					if err != nil {
						errs.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
					finished.Add(1)
				}
			})
		}
		wg.Wait()
		done += finished.Load()
		res.RSS = append(res.RSS, point(gw.pid(), done))
		if ctx.Err() != nil {
			res.TimedOut = true
			break
		}
	}
	res.LoadEnd = loadAvg()
	res.Cycles = res.RSS[len(res.RSS)-1].Cycles
	res.DurationS = time.Since(start).Seconds()
	res.CyclesPerS = float64(res.Cycles) / res.DurationS
	res.Errors = errs.Load()
	if v, ok := firstErr.Load().(string); ok {
		res.FirstError = v
	}
	if h, err := getHealth(base); err == nil {
		res.SessionsEnd = h.Sessions
	} else {
		res.SessionsEnd = -1
	}
	return res
}

func decodeJSON(r io.Reader, v any) error {
	return json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(v)
}
