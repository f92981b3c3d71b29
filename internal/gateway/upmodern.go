package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/protocol"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

// The upstream edge of MCP 2026-07-28 (docs/protocol-2026-07-28.md,
// section 3): each upstream is reached in the revision it speaks. A
// modern upstream has no session: the gateway keeps an upSession for it
// all the same (the catalog connection, and per client in per-client
// mode, for the client's own credentials), whose "initialize result" is
// the server/discover result, and every request it sends carries the
// per-request _meta of the client it is sent for.

// Revisions an upstream was found to speak (server.era).
const (
	eraLegacy = "legacy"
	eraModern = "modern"
)

// protocolDialer is a dialer whose connections speak one revision or the
// other (Streamable HTTP: headers and sessions differ). A stdio
// connection speaks both: only the messages differ.
type protocolDialer interface {
	DialProtocol(ctx context.Context, h upstream.Handler, p string) (upstream.Conn, error)
}

// wantProtocol is servers.NAME.protocol ("auto" by default). The HTTP+SSE
// transport predates 2026-07-28.
func (s *server) wantProtocol() string {
	if s.dialer != nil && s.dialer.Kind() == "sse" {
		return config.ProtocolLegacy
	}
	if s.cfg == nil || s.cfg.Protocol == "" {
		return config.ProtocolAuto
	}
	return s.cfg.Protocol
}

func (s *server) cachedEra() (string, *initResult) {
	s.eraMu.Lock()
	defer s.eraMu.Unlock()
	return s.era, s.discovered
}

func (s *server) setEra(era string, ir *initResult) {
	s.eraMu.Lock()
	s.era, s.discovered = era, ir
	s.eraMu.Unlock()
}

// Protocol reports the revision the named server is reached in:
// "2026-07-28", "2025-11-25" (or the session revision it negotiated), or
// "" while not known.
func (g *Gateway) Protocol(server string) string {
	s, ok := g.byName[server]
	if !ok {
		return ""
	}
	if us := s.current(); us != nil && us.init != nil {
		return us.init.ProtocolVersion
	}
	if era, _ := s.cachedEra(); era == eraModern {
		return protocol.Modern
	}
	return ""
}

// stdioProbeTimeout bounds how long a stdio server may leave server/discover
// unanswered before it is taken for a legacy one ("does not respond within
// a reasonable timeout"); the rest of connect_timeout is for initialize.
func stdioProbeTimeout(connect time.Duration) time.Duration {
	return min(connect/2, 5*time.Second)
}

// dialModern connects us in 2026-07-28 when the server speaks it (or must):
// done reports that us is ready (the discover result in us.init). With
// done false and no error the caller initializes a session as before, on
// us.conn when it is set (stdio: the same process) or on a new connection.
func (us *upSession) dialModern(ctx, dctx context.Context) (done bool, err error) {
	s := us.srv
	want := s.wantProtocol()
	if want == config.ProtocolLegacy {
		return false, nil
	}
	era, cached := s.cachedEra()
	if want == config.ProtocolAuto && era == eraLegacy {
		return false, nil // probed before: "cache the result"
	}
	pd, isHTTP := s.dialer.(protocolDialer)
	var conn upstream.Conn
	if isHTTP {
		conn, err = pd.DialProtocol(dctx, us.handle, protocol.Modern)
	} else {
		conn, err = s.dialer.Dial(dctx, us.handle)
	}
	if err != nil {
		return false, fmt.Errorf("connect %s: %w", s.name, err)
	}
	us.conn, us.modern = conn, true
	if era == eraModern && cached != nil && us.owner != nil {
		// A client's own connection to a server already discovered.
		us.init = cached
		return true, nil
	}
	pctx := ctx
	if !isHTTP && want == config.ProtocolAuto {
		var cancel context.CancelFunc
		pctx, cancel = context.WithTimeout(ctx, stdioProbeTimeout(s.connectTimeout))
		defer cancel()
	}
	resp, rerr := us.request(pctx, protocol.MethodDiscover, nil, nil, "")
	ir, why, definite := discoverOutcome(resp, rerr, pctx.Err() != nil && ctx.Err() == nil)
	if ir != nil {
		us.init = ir
		s.setEra(eraModern, ir)
		return true, nil
	}
	if want == config.ProtocolModern {
		_ = conn.Close()
		return false, fmt.Errorf("server/discover %s: servers.%s.protocol is %q but the server does not speak it (%s); it is never reached in another revision", s.name, s.name, protocol.Modern, why)
	}
	if definite {
		s.setEra(eraLegacy, nil)
	}
	us.modern = false
	if isHTTP {
		// The session revisions need a connection with a session id.
		_ = conn.Close()
		us.conn = nil
	}
	s.g.log.Debug("upstream speaks a session revision", "server", s.name, "probe", why)
	return false, nil
}

// discoverOutcome reads the answer to the server/discover probe: the
// initialize result it stands for when the server speaks 2026-07-28, else
// why not, and whether that answer is definite (a legacy server's answer,
// or a stdio server's silence) rather than a failure to reach the server.
func discoverOutcome(resp *jsonrpc.Message, err error, probeTimedOut bool) (*initResult, string, bool) {
	switch {
	case err != nil && probeTimedOut:
		return nil, "no answer to server/discover", true
	case err != nil:
		return nil, err.Error(), false
	case resp.Error != nil:
		why := fmt.Sprintf("server/discover answered with error %d: %s", resp.Error.Code, resp.Error.Message)
		if resp.Error.Code == jsonrpc.CodeUpstreamUnavailable {
			return nil, why, false // not an answer from the server
		}
		if resp.Error.Code == protocol.CodeUnsupportedProtocolVersion {
			if sup, ok := protocol.UnsupportedVersions(resp.Error.Data); ok {
				why = fmt.Sprintf("it supports %v", sup)
			}
		}
		return nil, why, true
	}
	d, perr := protocol.ParseDiscover(resp.Result)
	if perr != nil {
		return nil, perr.Error(), true
	}
	if !d.Speaks(protocol.Modern) {
		return nil, fmt.Sprintf("it supports %v", d.SupportedVersions), true
	}
	return &initResult{ProtocolVersion: protocol.Modern, Capabilities: d.Capabilities, ServerInfo: d.ServerInfo, Instructions: d.Instructions}, "", true
}

// modernParams adds the per-request _meta to params of a request the
// gateway sends on its own account (listings, discover, listen) or for
// the session's owner.
func (us *upSession) modernParams(params any) (json.RawMessage, error) {
	raw, ok := params.(json.RawMessage)
	if !ok && params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	caps, name, version, level := json.RawMessage(`{}`), "mcpwarden", Version, ""
	if o := us.owner; o != nil {
		caps, level = o.upstreamCaps(), o.currentLogLevel()
		if o.clientName != "" {
			name, version = o.clientName, o.clientVersion
		}
	}
	meta, err := protocol.WithRequestMeta(jsonrpc.Field(raw, "_meta"), caps, name, version, level)
	if err != nil {
		return nil, err
	}
	return jsonrpc.SetField(raw, "_meta", meta)
}

// upstreamMeta sets the per-request _meta of a client's request forwarded
// to a modern upstream: the client's capabilities narrowed to what the
// gateway can fulfil for it, its clientInfo, and its log level.
func (s *Session) upstreamMeta(meta json.RawMessage) (json.RawMessage, error) {
	name, version := s.clientName, s.clientVersion
	if name == "" {
		name, version = "mcpwarden", Version
	}
	return protocol.WithRequestMeta(meta, s.upstreamCaps(), name, version, s.currentLogLevel())
}

// upstreamCaps are the client capabilities declared to modern upstreams for
// this client: a modern client's own; a session client's mapped to the
// 2026-07-28 shape (only what the gateway relays by asking it).
func (s *Session) upstreamCaps() json.RawMessage {
	// a modern client's virtual session records the last request's
	// capabilities while other requests run (Stateless)
	s.mu.Lock()
	caps := s.clientCaps
	s.mu.Unlock()
	if s.protocol == protocol.Modern {
		if len(caps) == 0 {
			return json.RawMessage(`{}`)
		}
		return caps
	}
	return protocol.ClientCapabilities(caps)
}

func (s *Session) currentLogLevel() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logLevel
}

// setLogLevel records the level of logging/setLevel: a modern upstream
// gets it with each request (_meta logLevel), as it has no session level.
func (s *Session) setLogLevel(params json.RawMessage) {
	if l, ok := jsonrpc.StringField(params, "level"); ok {
		s.mu.Lock()
		s.logLevel = l
		s.mu.Unlock()
	}
}

// outgoingDef is the upstream's definition of the tool a tools/call to a
// modern upstream calls (its x-mcp-header arguments become Mcp-Param-*
// headers); nil otherwise.
func (us *upSession) outgoingDef(method string, params json.RawMessage) json.RawMessage {
	if !us.modern || method != "tools/call" {
		return nil
	}
	name, _ := jsonrpc.StringField(params, "name")
	if e := us.srv.lookup("tool", name); e != nil {
		return e.def
	}
	return nil
}
