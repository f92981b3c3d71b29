package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/protocol"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

// Change notifications of a modern upstream (docs/protocol-2026-07-28.md
// 4.6, upstream side): a 2026-07-28 server has no session stream; it tells
// of list changes on a subscriptions/listen stream. The gateway keeps one
// open on each modern server's catalog connection and turns what arrives
// into its list_changed handling (relist, pins and scans re-run, fan-out to
// every client), so a changed definition is caught exactly as from a
// legacy server.

// listenState is one subscription on an upSession: the catalog's (list
// changes) or a client's resource subscription (target set).
type listenState struct {
	id     string // the listen request's id = the subscriptionId
	acked  bool
	target *Session      // resources/updated go to this client
	ackc   chan struct{} // closed on the acknowledgment, when set
}

var errNothingToListen = errors.New("the server reports no list changes")

// listen keeps the subscription open while us lives, reopening it with
// backoff when it ends or breaks.
func (s *server) listen(us *upSession) {
	backoff := s.backoff0
	for us.alive() && s.g.ctx.Err() == nil {
		start := time.Now()
		err := us.listenOnce()
		if errors.Is(err, errNothingToListen) || !us.alive() || s.g.ctx.Err() != nil {
			return
		}
		s.g.log.Debug("subscriptions/listen ended; reopening", "server", s.name, "err", err)
		if time.Since(start) > 30*time.Second {
			backoff = s.backoff0
		}
		select {
		case <-us.conn.Done():
			return
		case <-s.g.ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, s.backoffMax)
	}
}

// listenOnce opens one subscriptions/listen and returns when it ends.
func (us *upSession) listenOnce() error {
	filter := map[string]bool{}
	for capName, key := range map[string]string{"tools": "toolsListChanged", "prompts": "promptsListChanged", "resources": "resourcesListChanged"} {
		var c struct {
			ListChanged bool `json:"listChanged"`
		}
		if raw, ok := us.init.Capabilities[capName]; ok && json.Unmarshal(raw, &c) == nil && c.ListChanged {
			filter[key] = true
		}
	}
	if len(filter) == 0 {
		return errNothingToListen
	}
	params, err := us.modernParams(map[string]any{"notifications": filter})
	if err != nil {
		return err
	}
	return us.subscribe(us.srv.g.ctx, params, &listenState{})
}

// subscribe sends one subscriptions/listen with params and holds it until
// it ends, the connection dies or ctx ends.
func (us *upSession) subscribe(ctx context.Context, params json.RawMessage, ls *listenState) error {
	id := us.newID()
	ls.id = string(id)
	call := &upCall{resp: make(chan *jsonrpc.Message, 1), upID: id, method: protocol.MethodListen}
	us.mu.Lock()
	us.calls[string(id)] = call
	if us.listens == nil {
		us.listens = map[string]*listenState{}
	}
	us.listens[ls.id] = ls
	us.mu.Unlock()
	defer func() {
		us.forget(call)
		us.mu.Lock()
		delete(us.listens, ls.id)
		us.mu.Unlock()
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sent := make(chan error, 1)
	// Over HTTP Send holds the stream until it ends; closing it (ctx) is
	// how the subscription is cancelled.
	go func() {
		sent <- us.conn.Send(ctx, &upstream.Outgoing{Body: jsonrpc.NewRequest(id, protocol.MethodListen, params), ID: id, Method: protocol.MethodListen})
	}()
	select {
	case r := <-call.resp:
		if r.Error != nil {
			return r.Error
		}
		return errors.New("the server ended the subscription")
	case <-us.conn.Done():
		return us.conn.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// listenNotification handles a notification of the subscription; false
// when m is not one (it carries no subscriptionId).
func (us *upSession) listenNotification(m *jsonrpc.Message) bool {
	sub := jsonrpc.Field(jsonrpc.Field(m.Params, "_meta"), protocol.MetaSubscriptionID)
	if sub == nil {
		return false
	}
	us.mu.Lock()
	ls := us.listens[string(sub)]
	mine := ls != nil
	first := false
	if mine && m.Method == "notifications/subscriptions/acknowledged" {
		first, ls.acked = !ls.acked, true
	}
	acked := mine && ls.acked
	us.mu.Unlock()
	srv := us.srv
	switch {
	case !mine:
		srv.g.log.Debug("notification for another subscription dropped", "server", srv.name, "subscription", string(sub))
	case first:
		if ls.ackc != nil {
			close(ls.ackc)
		}
	case !acked:
		// "MUST send notifications/subscriptions/acknowledged as the first message"
		srv.g.log.Warn("notification before the subscription was acknowledged dropped", "server", srv.name, "method", m.Method)
	case ls.target != nil:
		if m.Method == "notifications/resources/updated" {
			// The client's subscription, as its revision has it.
			if meta, err := jsonrpc.DeleteField(jsonrpc.Field(m.Params, "_meta"), protocol.MetaSubscriptionID); err == nil {
				p := m.Params
				if string(meta) == "{}" {
					p, err = jsonrpc.DeleteField(p, "_meta")
				} else {
					p, err = jsonrpc.SetField(p, "_meta", meta)
				}
				if err == nil {
					ls.target.deliver(nil, jsonrpc.NewNotification(m.Method, p))
				}
			}
		}
	case m.Method == "notifications/tools/list_changed", m.Method == "notifications/prompts/list_changed", m.Method == "notifications/resources/list_changed":
		// As from a legacy server (upsession.go), but the catalog
		// connection is the only one that hears it: every client is told.
		srv.changeGen.Add(1)
		go srv.refreshCatalog(context.Background())
		srv.g.notifyListChanged(srv, m.Method)
	}
	return true
}

// subscribeResource answers a session client's resources/subscribe or
// resources/unsubscribe for a modern upstream (which has neither): a
// subscriptions/listen with resourceSubscriptions [uri] on the client's
// upstream connection, held until unsubscribe or the session ends. nil:
// the upstream is not modern (forward as before).
func (s *Session) subscribeResource(ctx context.Context, srv *server, m *jsonrpc.Message) []byte {
	us, err := s.upstreamFor(ctx, srv)
	if err != nil || !us.modern {
		return nil
	}
	uri, _ := jsonrpc.StringField(m.Params, "uri")
	key := s.id + "\x00" + srv.name + "\x00" + uri
	if old, ok := s.g.resourceSubs.LoadAndDelete(key); ok {
		old.(*resourceSub).cancel()
	}
	if m.Method == "resources/unsubscribe" {
		return jsonrpc.NewResult(m.ID, map[string]any{})
	}
	params, err := us.modernParams(map[string]any{"notifications": map[string]any{"resourceSubscriptions": []string{uri}}})
	if err != nil {
		return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInternalError, "mcpwarden: %v", err))
	}
	sctx, cancel := context.WithCancel(s.g.ctx)
	sub := &resourceSub{cancel: cancel}
	s.g.resourceSubs.Store(key, sub)
	s.OnClose(cancel)
	go func() {
		defer s.g.resourceSubs.CompareAndDelete(key, sub)
		if err := us.subscribe(sctx, params, &listenState{target: s}); err != nil && sctx.Err() == nil {
			s.g.log.Debug("resource subscription ended", "server", srv.name, "uri", uri, "err", err)
		}
	}()
	return jsonrpc.NewResult(m.ID, map[string]any{})
}

type resourceSub struct{ cancel context.CancelFunc }
