package gateway

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/policy"
)

// Toxic flows: the gateway's part is the session state the flow guard
// decides on. For static mode it computes which labelled tools a session's
// principal could use (every guard before the flow guard asked, as for a
// listing), cached until the catalog or the principal changes; for dynamic
// mode it remembers that the session received untrusted content.

type exposureCache struct {
	key string
	ex  map[string][]string
}

// flowSession adds what the flow guard needs to a guard session.
func (s *Session) flowSession(ctx context.Context, gs guard.Session) guard.Session {
	f := s.g.flows
	if !f.On() {
		return gs
	}
	s.mu.Lock()
	gs.Tainted = s.tainted
	s.mu.Unlock()
	if f.Mode == policy.FlowStatic {
		gs.Exposure = s.exposure(ctx)
	}
	return gs
}

// exposure is, by label, the exposed names of the labelled tools this
// session's principal could use.
func (s *Session) exposure(ctx context.Context) map[string][]string {
	g := s.g
	p := s.principal(ctx)
	key := fmt.Sprintf("%d\x00%s\x00%s", g.catalogGen.Load(), p.Key(), strings.Join(p.Scopes, " "))
	s.mu.Lock()
	if s.expo != nil && s.expo.key == key {
		ex := s.expo.ex
		s.mu.Unlock()
		return ex
	}
	s.mu.Unlock()
	ex := map[string][]string{}
	base := s.guardSession()
	for _, srv := range g.servers {
		srv.mu.Lock()
		type item struct {
			name string
			e    *entry
		}
		var items []item
		for name, e := range srv.catalog["tool"] {
			items = append(items, item{name, e})
		}
		srv.mu.Unlock()
		for _, it := range items {
			labels := g.flows.LabelsOf(srv.name, it.name, it.e.def)
			if len(labels) == 0 {
				continue
			}
			exposed := g.exposedName(srv, it.name)
			d := g.preFlow.Decide(ctx, &guard.Call{Method: "tools/call", Listing: true, Server: srv.name, Name: it.name, ExposedName: exposed,
				Definition: it.e.def, SchemaHash: it.e.hash, Session: base, Principal: p})
			if d.Action == guard.Deny {
				continue
			}
			for _, l := range labels {
				ex[l] = append(ex[l], exposed)
			}
		}
	}
	for l := range ex {
		slices.Sort(ex[l])
	}
	s.mu.Lock()
	s.expo = &exposureCache{key: key, ex: ex}
	s.mu.Unlock()
	return ex
}

// refuseToxicListing answers tools/list with an explanation when static
// mode refuses sessions that could use both sides of a toxic flow.
func (s *Session) refuseToxicListing(ctx context.Context, m *jsonrpc.Message) []byte {
	f := s.g.flows
	if !f.On() || f.Mode != policy.FlowStatic || (f.OnConflict != policy.ConflictRefuse && f.OnConflict != "") {
		return nil
	}
	ex := s.exposure(ctx)
	if len(ex[policy.LabelUntrustedInput]) == 0 || len(ex[policy.LabelExfiltration]) == 0 {
		return nil
	}
	msg := fmt.Sprintf("toxic flow: this session could use both tools that take in untrusted content (%s) and tools that can send data out (%s); "+
		"the configuration (toxic_flows.on_conflict: refuse) refuses such sessions: label, deny or withhold one side",
		strings.Join(ex[policy.LabelUntrustedInput], ", "), strings.Join(ex[policy.LabelExfiltration], ", "))
	return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeDenied, "%s", msg).WithData(map[string]any{"guard": policy.FlowGuardName,
		"untrusted_input": ex[policy.LabelUntrustedInput], "exfiltration": ex[policy.LabelExfiltration]}))
}

// noteResult taints the session when a successful call of an
// untrusted-input tool returned content (dynamic mode). It returns true
// when this call tainted the session.
func (s *Session) noteResult(srv *server, gc *guard.Call, ok bool) bool {
	f := s.g.flows
	if !ok || !f.On() || f.Mode != policy.FlowDynamic {
		return false
	}
	if !slices.Contains(f.LabelsOf(srv.name, gc.Name, gc.Definition), policy.LabelUntrustedInput) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tainted != "" {
		return false
	}
	s.tainted = srv.name + "/" + gc.Name
	return true
}

// noteInjection taints the session (dynamic mode) when a result of any
// tool carried injection findings at or above the scan severity: such
// content is untrusted whatever the tool's label says.
func (s *Session) noteInjection(srv *server, gc *guard.Call) bool {
	f := s.g.flows
	if !f.On() || f.Mode != policy.FlowDynamic {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tainted != "" {
		return false
	}
	s.tainted = srv.name + "/" + gc.Name
	return true
}
