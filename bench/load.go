package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// target is one endpoint the load runs against.
type target struct {
	Name string // direct, proxy, gateway
	URL  string // Streamable HTTP endpoint
	Tool string // the echo tool's name as this endpoint exposes it
	// Token, if set, is sent as a bearer token on every request.
	Token string
}

// loadOpts bound one measurement.
type loadOpts struct {
	Sessions  int           // concurrent sessions, each making sequential calls
	Duration  time.Duration // measurement time
	MaxCalls  int64         // measurement call count bound (whichever first)
	WarmCalls int           // calls per session before measuring
	Protocol  string        // MCP protocol version the client asks for
	// MessageBytes, when > 0, is the size of the echoed message (and so of
	// the result the gateway checks and scans).
	MessageBytes int
	// ResultBytes, when > 0, calls the report tool instead of echo: a small
	// argument and a result of this many bytes (what the gateway scans,
	// without a large argument to check and audit).
	ResultBytes int
	// PIDs are processes whose CPU time is measured over the window.
	PIDs map[string]int
	// Block is, in the interleaved scenario, how many calls a target makes
	// in a row before the next takes its turn (at least 1).
	Block int
}

// sample is the raw outcome of one measurement.
type sample struct {
	Latencies []time.Duration // successful calls only
	Errors    int64
	FirstErr  string
	Elapsed   time.Duration
	CPU       map[string]time.Duration // CPU time per process over the window
	Foreign   time.Duration            // CPU time of other processes over the window
}

func newHTTPClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 0
	tr.MaxIdleConnsPerHost = 1024
	tr.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: tr}
}

var benchClient = mcp.NewClient(&mcp.Implementation{Name: "mcpwarden-bench", Version: "1.0.0"}, nil)

// connect opens n SDK client sessions to t, in parallel.
func connect(ctx context.Context, hc *http.Client, t target, n int, protocol string) ([]*mcp.ClientSession, error) {
	out := make([]*mcp.ClientSession, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			tr := &mcp.StreamableClientTransport{Endpoint: t.URL, HTTPClient: withToken(hc, t.Token), MaxRetries: -1}
			out[i], errs[i] = benchClient.Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: protocol})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			closeAll(out)
			return nil, fmt.Errorf("%s: connect session %d: %w", t.Name, i, err)
		}
	}
	return out, nil
}

func closeAll(ss []*mcp.ClientSession) {
	var wg sync.WaitGroup
	for _, s := range ss {
		if s != nil {
			wg.Go(func() { _ = s.Close() })
		}
	}
	wg.Wait()
}

// echo makes one tools/call of the echo tool and checks the answer.
func echo(ctx context.Context, s *mcp.ClientSession, tool, msg string) error {
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: map[string]any{"message": msg}})
	if err != nil {
		return err
	}
	if res.IsError {
		return fmt.Errorf("tool error: %v", contentText(res))
	}
	if got := contentText(res); got != msg {
		return fmt.Errorf("echo returned %q, want %q", got, msg)
	}
	return nil
}

// callReport makes one tools/call of the report tool and checks the answer.
func callReport(ctx context.Context, s *mcp.ClientSession, tool string, n int, want string) error {
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: map[string]any{"bytes": n}})
	if err != nil {
		return err
	}
	if res.IsError {
		return fmt.Errorf("tool error: %v", contentText(res))
	}
	if got := contentText(res); got != want {
		return fmt.Errorf("report returned %d bytes, want %d", len(got), n)
	}
	return nil
}

func contentText(res *mcp.CallToolResult) string {
	if len(res.Content) != 1 {
		return fmt.Sprintf("%d content items", len(res.Content))
	}
	if tc, ok := res.Content[0].(*mcp.TextContent); ok {
		return tc.Text
	}
	return fmt.Sprintf("%T", res.Content[0])
}

// runLoad opens o.Sessions sessions to t, warms each up, then has every
// session make sequential echo calls until o.Duration has passed or
// o.MaxCalls calls were started, and closes the sessions.
func runLoad(ctx context.Context, hc *http.Client, t target, o loadOpts) (*sample, error) {
	ss, err := connect(ctx, hc, t, o.Sessions, o.Protocol)
	if err != nil {
		return nil, err
	}
	defer closeAll(ss)
	// Warm-up: the gateway dials its per-client upstream session on the
	// first call; connections and buffers settle.
	var wg sync.WaitGroup
	warmErr := make([]error, len(ss))
	for i, s := range ss {
		wg.Go(func() {
			for j := range o.WarmCalls {
				if err := echo(ctx, s, t.Tool, "warm-"+strconv.Itoa(j)); err != nil {
					warmErr[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for i, err := range warmErr {
		if err != nil {
			return nil, fmt.Errorf("%s: warm-up on session %d: %w", t.Name, i, err)
		}
	}

	per := make([][]time.Duration, len(ss))
	capHint := 4096
	if o.MaxCalls > 0 {
		capHint = int(min(o.MaxCalls/int64(len(ss))+1, 1<<20))
	}
	var started, errCount atomic.Int64
	var firstErr atomic.Value
	msg := "hello from mcpwarden-bench: the quick brown fox jumps over the lazy dog"
	if o.MessageBytes > 0 {
		msg = demo.BenchText(o.MessageBytes)
	}
	measured := measuredCall(t, o, msg)
	stopCPU := cpuWindow(o.PIDs)
	start := time.Now()
	deadline := start.Add(o.Duration)
	for i, s := range ss {
		per[i] = make([]time.Duration, 0, capHint)
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if o.MaxCalls > 0 && started.Add(1) > o.MaxCalls {
					return
				}
				t0 := time.Now()
				err := measured(ctx, s)
				d := time.Since(t0)
				if err != nil {
					errCount.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					if ctx.Err() != nil {
						return
					}
					continue
				}
				per[i] = append(per[i], d)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	smp := &sample{Elapsed: elapsed, Errors: errCount.Load()}
	smp.CPU, smp.Foreign = stopCPU()
	if v, ok := firstErr.Load().(string); ok {
		smp.FirstErr = v
	}
	for _, p := range per {
		smp.Latencies = append(smp.Latencies, p...)
	}
	slices.Sort(smp.Latencies)
	return smp, nil
}

// percentile of sorted durations (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	rank = max(0, min(rank, len(sorted)-1))
	return sorted[rank]
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

// runInterleaved measures sequential calls (one session per target) with
// the targets taking turns call by call: each cycle makes one call on every
// target, in an order that rotates from cycle to cycle. Drift on the shared
// machine (other tenants of the host, frequency, GC of the client) then
// falls on every target alike, where separate windows let it fall on one.
// The window lasts o.Duration per target, or o.MaxCalls calls per target.
//
// CPU time: a hop process (proxy, gateway) serves only its own target and
// is charged to it whole; the processes all targets share (the upstream,
// the client) are charged by calls, so their figure per call is the mean
// over every target's calls. Elapsed is the time a target spent in its own
// calls, so calls/s is the rate of one session calling that target alone.
func runInterleaved(ctx context.Context, hc *http.Client, ts []target, o loadOpts) (map[string]*sample, error) {
	type lane struct {
		t        target
		s        *mcp.ClientSession
		call     func(context.Context, *mcp.ClientSession) error
		lat      []time.Duration
		busy     time.Duration
		errs     int64
		firstErr string
	}
	msg := "hello from mcpwarden-bench: the quick brown fox jumps over the lazy dog"
	if o.MessageBytes > 0 {
		msg = demo.BenchText(o.MessageBytes)
	}
	lanes := make([]*lane, len(ts))
	for i, t := range ts {
		ss, err := connect(ctx, hc, t, 1, o.Protocol)
		if err != nil {
			for _, l := range lanes[:i] {
				closeAll([]*mcp.ClientSession{l.s})
			}
			return nil, err
		}
		lanes[i] = &lane{t: t, s: ss[0], call: measuredCall(t, o, msg)}
	}
	defer func() {
		for _, l := range lanes {
			closeAll([]*mcp.ClientSession{l.s})
		}
	}()
	for _, l := range lanes {
		for j := range o.WarmCalls {
			if err := echo(ctx, l.s, l.t.Tool, "warm-"+strconv.Itoa(j)); err != nil {
				return nil, fmt.Errorf("%s: warm-up: %w", l.t.Name, err)
			}
		}
	}
	stopCPU := cpuWindow(o.PIDs)
	start := time.Now()
	deadline := start.Add(o.Duration * time.Duration(len(lanes)))
	block := max(o.Block, 1)
	for c := 0; time.Now().Before(deadline) && ctx.Err() == nil; c++ {
		if o.MaxCalls > 0 && int64(c*block) >= o.MaxCalls {
			break
		}
		for k := range lanes {
			l := lanes[(c+k)%len(lanes)]
			for range block {
				t0 := time.Now()
				err := l.call(ctx, l.s)
				d := time.Since(t0)
				l.busy += d
				if err != nil {
					l.errs++
					if l.firstErr == "" {
						l.firstErr = err.Error()
					}
					continue
				}
				l.lat = append(l.lat, d)
			}
		}
	}
	window := time.Since(start)
	cpu, foreign := stopCPU()
	total := 0
	for _, l := range lanes {
		total += len(l.lat)
	}
	out := map[string]*sample{}
	for _, l := range lanes {
		smp := &sample{Latencies: l.lat, Errors: l.errs, FirstErr: l.firstErr, Elapsed: l.busy, CPU: map[string]time.Duration{}}
		if window > 0 {
			smp.Foreign = time.Duration(float64(foreign) * float64(l.busy) / float64(window))
		}
		for name, c := range cpu {
			switch {
			case name == l.t.Name:
				smp.CPU[name] = c
			case name == "client" || name == "upstream":
				if total > 0 {
					smp.CPU[name] = time.Duration(float64(c) * float64(len(l.lat)) / float64(total))
				}
			}
		}
		slices.Sort(smp.Latencies)
		out[l.t.Name] = smp
	}
	return out, nil
}

// measuredCall is the call a measurement makes on t: echo of msg, or the
// report tool with a result of o.ResultBytes.
func measuredCall(t target, o loadOpts, msg string) func(context.Context, *mcp.ClientSession) error {
	if o.ResultBytes > 0 {
		tool, want := strings.TrimSuffix(t.Tool, "echo")+"report", demo.BenchText(o.ResultBytes)
		return func(ctx context.Context, s *mcp.ClientSession) error {
			return callReport(ctx, s, tool, o.ResultBytes, want)
		}
	}
	return func(ctx context.Context, s *mcp.ClientSession) error { return echo(ctx, s, t.Tool, msg) }
}

// cpuWindow starts measuring the CPU time of pids; the function it returns
// ends the window: each process's CPU time, and what other processes on
// the machine used meanwhile.
func cpuWindow(pids map[string]int) func() (map[string]time.Duration, time.Duration) {
	cpu0 := map[string]time.Duration{}
	for name, pid := range pids {
		cpu0[name] = cpuTime(pid)
	}
	busy0 := machineBusy()
	return func() (map[string]time.Duration, time.Duration) {
		cpu := map[string]time.Duration{}
		var ours time.Duration
		for name, pid := range pids {
			cpu[name] = cpuTime(pid) - cpu0[name]
			ours += cpu[name]
		}
		if len(pids) == 0 {
			return cpu, 0
		}
		return cpu, max(0, machineBusy()-busy0-ours)
	}
}
