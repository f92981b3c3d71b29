package gateway

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// Resource subscriptions of a 2026-07-28 client's subscriptions/listen
// (docs/protocol-2026-07-28.md 4.6, "modern client resourceSubscriptions"):
// each URI is routed like resources/read, allowed by the same guards, and
// subscribed upstream in the upstream's revision: resources/subscribe on
// the virtual session's upstream session (2025-11-25), or a
// subscriptions/listen with resourceSubscriptions (2026-07-28). Updates
// reach the client's listen streams through the virtual session; the
// transport keeps to each stream the URIs it was granted.

// maxListenURIs bounds the URIs of one listen request.
const maxListenURIs = 64

// listenSub is one upstream subscription shared by the listen streams
// that asked for it (refs); release undoes it upstream.
type listenSub struct {
	refs    int
	ready   chan struct{} // closed once the upstream answered
	ok      bool          // subscribed (set before ready is closed)
	release func()
}

type listenSubs struct {
	mu sync.Mutex
	m  map[string]*listenSub
}

// SubscribeResources subscribes the client to uris for one listen stream.
// It returns the URIs honored (routed, allowed for this principal, and
// subscribed upstream) and a release to call when the stream ends. A URI
// that is not honored is left out, never an error: the acknowledgement
// tells the client what it got.
func (s *Session) SubscribeResources(ctx context.Context, uris []string) (honored []string, release func()) {
	seen := map[string]bool{}
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		releases []func()
	)
	for _, uri := range uris {
		if uri == "" || seen[uri] || len(seen) >= maxListenURIs {
			continue
		}
		seen[uri] = true
		srv, withheld := s.g.routeURI(uri)
		if srv == nil || withheld {
			continue
		}
		// Subscribing is reading over time: the same guards decide.
		if d, _ := s.g.decide(ctx, &guard.Call{Method: "resources/read", Server: srv.name, URI: uri, Session: s.guardSession(), Principal: s.principal(ctx)}); d.Action != guard.Allow {
			s.g.log.Debug("resource subscription refused", "server", srv.name, "uri", uri, "guard", d.Guard, "reason", d.Reason)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if rel := s.acquireResourceSub(ctx, srv, uri); rel != nil {
				mu.Lock()
				honored = append(honored, uri)
				releases = append(releases, rel)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return honored, func() {
		for _, r := range releases {
			r()
		}
	}
}

// acquireResourceSub holds one reference to the upstream subscription of
// uri on srv, subscribing on the first; nil when it could not be made.
func (s *Session) acquireResourceSub(ctx context.Context, srv *server, uri string) func() {
	us, err := s.upstreamFor(ctx, srv)
	if err != nil || !subscribable(us) {
		return nil
	}
	// A shared legacy upstream session serves every client: one
	// subscription for all of them. Otherwise one per client.
	key := s.id + "\x00" + srv.name + "\x00" + uri
	if srv.shared && !us.modern {
		key = "\x00" + srv.name + "\x00" + uri
	}
	ls := &s.g.listenSubs
	ls.mu.Lock()
	if ls.m == nil {
		ls.m = map[string]*listenSub{}
	}
	sub := ls.m[key]
	if sub != nil {
		sub.refs++
		ls.mu.Unlock()
		<-sub.ready
		if !sub.ok {
			return nil // the first one failed and took the entry away
		}
	} else {
		// Subscribe outside the lock: a slow upstream holds up only
		// the streams that want this URI.
		sub = &listenSub{refs: 1, ready: make(chan struct{})}
		ls.m[key] = sub
		ls.mu.Unlock()
		undo := subscribeUpstream(ctx, s, us, uri)
		ls.mu.Lock()
		if undo == nil {
			delete(ls.m, key)
		} else {
			sub.ok, sub.release = true, undo
		}
		ls.mu.Unlock()
		close(sub.ready)
		if undo == nil {
			return nil
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			ls.mu.Lock()
			sub.refs--
			last := sub.refs == 0 && ls.m[key] == sub
			if last {
				delete(ls.m, key)
			}
			ls.mu.Unlock()
			if last {
				sub.release()
			}
		})
	}
}

// subscribable: the upstream declares resources.subscribe.
func subscribable(us *upSession) bool {
	if us.init == nil {
		return false
	}
	var c struct {
		Subscribe bool `json:"subscribe"`
	}
	raw, ok := us.init.Capabilities["resources"]
	return ok && json.Unmarshal(raw, &c) == nil && c.Subscribe
}

// subscribeUpstream subscribes us to uri for client s and returns how to
// undo it; nil when the upstream refused or did not acknowledge in time.
func subscribeUpstream(ctx context.Context, s *Session, us *upSession, uri string) func() {
	srv := us.srv
	if !us.modern {
		rctx, cancel := context.WithTimeout(ctx, srv.timeout)
		r, err := us.request(rctx, "resources/subscribe", map[string]any{"uri": uri}, nil, "")
		cancel()
		if err != nil || r.Error != nil {
			s.g.log.Debug("upstream resources/subscribe failed", "server", srv.name, "uri", uri, "err", err)
			return nil
		}
		return func() {
			go func() {
				uctx, cancel := context.WithTimeout(s.g.ctx, srv.timeout)
				defer cancel()
				_, _ = us.request(uctx, "resources/unsubscribe", map[string]any{"uri": uri}, nil, "")
			}()
		}
	}
	params, err := us.modernParams(map[string]any{"notifications": map[string]any{"resourceSubscriptions": []string{uri}}})
	if err != nil {
		return nil
	}
	sctx, cancel := context.WithCancel(s.g.ctx)
	s.OnClose(cancel)
	acked := make(chan struct{})
	go func() {
		if err := us.subscribe(sctx, params, &listenState{target: s, ackc: acked}); err != nil && sctx.Err() == nil {
			s.g.log.Debug("resource subscription ended", "server", srv.name, "uri", uri, "err", err)
		}
		cancel()
	}()
	select {
	case <-acked:
		return cancel
	case <-sctx.Done():
	case <-ctx.Done():
	case <-time.After(srv.timeout):
	}
	cancel()
	return nil
}
