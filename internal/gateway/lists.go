package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/pin"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

// listKind describes one list method.
type listKind struct {
	method     string
	field      string // result field holding the items
	kind       string // catalog kind
	capability string
	callMethod string // the method a listed item allows (for guards)
}

var listKinds = []listKind{
	{"tools/list", "tools", "tool", "tools", "tools/call"},
	{"prompts/list", "prompts", "prompt", "prompts", "prompts/get"},
	{"resources/list", "resources", "resource", "resources", "resources/read"},
	{"resources/templates/list", "resourceTemplates", "template", "resources", ""},
}

// maxPages bounds how many pages the gateway follows for its own catalog.
const maxPages = 100

func listKindOf(method string) listKind {
	for _, l := range listKinds {
		if l.method == method {
			return l
		}
	}
	return listKind{}
}

// cursor is the gateway's own pagination cursor: which server, and that
// server's cursor. Clients treat it as opaque.
type cursor struct {
	Server int    `json:"s"`
	Cursor string `json:"c,omitempty"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Server < 0 {
		return c, fmt.Errorf("invalid cursor")
	}
	return c, nil
}

// list answers a list method with the items of every server: names
// namespaced, items the guards deny hidden, colliding names withheld. One
// page holds each server's next page until a server has more, whose cursor
// is wrapped in the gateway's.
func (s *Session) list(ctx context.Context, m *jsonrpc.Message, l listKind) []byte {
	start := time.Now()
	g := s.g
	ev := s.event(ctx, l.method)
	s.mu.Lock()
	s.listCalls[l.method]++
	n := s.listCalls[l.method]
	s.mu.Unlock()
	detail := map[string]any{"call_in_session": n}
	ev.Detail = detail

	if l.kind == "tool" {
		if refusal := s.refuseToxicListing(ctx, m); refusal != nil {
			ev.Decision = audit.Decision{Action: "deny", Guard: "toxic-flow", Reason: "the session could use both sides of a toxic flow", Code: jsonrpc.CodeDenied}
			ev.Status = audit.Status{Outcome: audit.OutcomeDenied, ErrorCode: jsonrpc.CodeDenied}
			_ = g.emit(ctx, ev)
			return refusal
		}
	}
	cur := cursor{}
	if c, ok := jsonrpc.StringField(m.Params, "cursor"); ok {
		var err error
		if cur, err = decodeCursor(c); err != nil || cur.Server >= len(g.servers) {
			ev.Status = audit.Status{Outcome: audit.OutcomeError, ErrorCode: jsonrpc.CodeInvalidParams, ErrorMessage: "invalid cursor"}
			_ = g.emit(ctx, ev)
			return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid cursor"))
		}
	}
	items := []json.RawMessage{}
	var hidden, withheld, unavailable []string
	next := ""
	for i := cur.Server; i < len(g.servers); i++ {
		srv := g.servers[i]
		if !srv.has(l.capability) {
			continue
		}
		upCursor := ""
		if i == cur.Server {
			upCursor = cur.Cursor
		}
		us, err := s.upstreamFor(ctx, srv)
		var res *listResult
		if err == nil {
			lctx, cancel := context.WithTimeout(ctx, srv.timeout)
			res, err = us.list(lctx, l.method, upCursor)
			cancel()
		}
		if err != nil {
			unavailable = append(unavailable, srv.name)
			if l.kind == "tool" && srv.perUser && needsAuthorization(err) {
				// The user has not authorized the gateway there yet: list
				// the one tool that starts it, so they can see why the
				// server's tools are missing.
				if out, why := s.exposeItem(ctx, srv, l, authorizeToolDef(srv.name)); why == "" {
					items = append(items, out)
				}
			}
			continue
		}
		for _, item := range res.items(l.field) {
			out, why := s.exposeItem(ctx, srv, l, item)
			switch why {
			case "":
				items = append(items, out)
			case "hidden":
				hidden = append(hidden, srv.name+":"+nameOf(item))
			case "withheld":
				withheld = append(withheld, srv.name+":"+nameOf(item))
			}
		}
		if res.NextCursor != "" {
			next = encodeCursor(cursor{Server: i, Cursor: res.NextCursor})
			break
		}
	}
	result := map[string]any{l.field: items}
	if next != "" {
		result["nextCursor"] = next
	}
	detail["count"] = len(items)
	if len(hidden) > 0 {
		detail["hidden"] = hidden
	}
	if len(withheld) > 0 {
		detail["withheld"] = withheld
		g.log.Warn("names withheld because they collide between servers", "names", withheld)
	}
	if len(unavailable) > 0 {
		detail["unavailable"] = unavailable
	}
	ev.DurationMS = msSince(start)
	if err := g.emit(ctx, ev); err != nil {
		return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeAuditFailed, "mcpwarden: the audit event could not be written: %v", err))
	}
	return jsonrpc.NewResult(m.ID, result)
}

func nameOf(item json.RawMessage) string {
	if n, ok := stringOf(item, "name"); ok {
		return n
	}
	if u, ok := stringOf(item, "uri"); ok {
		return u
	}
	return "?"
}

func stringOf(obj json.RawMessage, key string) (string, bool) {
	return jsonrpc.StringField(obj, key)
}

// exposeItem rewrites one listed item for the client. why is "" when the
// item is shown, "hidden" when a guard denies it, "withheld" when its name
// collides with another server's, "invalid" when it is malformed.
func (s *Session) exposeItem(ctx context.Context, srv *server, l listKind, item json.RawMessage) (json.RawMessage, string) {
	g := s.g
	if l.kind == "resource" {
		uri, ok := stringOf(item, "uri")
		if !ok {
			return nil, "invalid"
		}
		srv.recordURI(uri)
		for _, other := range g.servers {
			if other != srv {
				if listed, _ := other.ownsURI(uri); listed {
					return nil, "withheld"
				}
			}
		}
		d, _ := g.decide(ctx, &guard.Call{Method: l.callMethod, Listing: true, Server: srv.name, URI: uri,
			Session: s.guardSession(), Principal: s.principal(ctx)})
		if d.Action == guard.Deny {
			return nil, "hidden"
		}
		return item, ""
	}
	name, ok := stringOf(item, "name")
	if !ok || name == "" {
		return nil, "invalid"
	}
	hash := srv.record(l.kind, name, item)
	if l.kind == "template" {
		if t, ok := stringOf(item, "uriTemplate"); ok {
			srv.recordTemplate(t)
		}
	}
	exposed := g.exposedName(srv, name)
	if srv.prefix == "" && g.collides(l.kind, srv, exposed) {
		return nil, "withheld"
	}
	if l.kind == "template" && !g.pins.ok(srv.name, pin.KindTemplate, name, hash) {
		return nil, "hidden" // a resource template that differs from its pin
	}
	if l.callMethod != "" {
		d, _ := g.decide(ctx, &guard.Call{Method: l.callMethod, Listing: true, Server: srv.name, Name: name,
			ExposedName: exposed, Definition: item, SchemaHash: hash, Session: s.flowSession(ctx, s.guardSession()), Principal: s.principal(ctx)})
		if d.Action == guard.Deny {
			return nil, "hidden"
		}
	}
	if l.kind == "tool" && g.tasksEnabled() {
		item = withTaskSupport(item)
	}
	if exposed == name {
		return item, ""
	}
	out, err := jsonrpc.SetField(item, "name", exposed)
	if err != nil {
		return nil, "invalid"
	}
	return out, ""
}

// notifyListChanged tells every session that uses srv that its lists may
// have changed. method "" means all lists the server offers.
func (g *Gateway) notifyListChanged(srv *server, method string) {
	methods := []string{method}
	if method == "" {
		methods = nil
		for _, l := range []struct{ cap, m string }{{"tools", "notifications/tools/list_changed"}, {"prompts", "notifications/prompts/list_changed"}, {"resources", "notifications/resources/list_changed"}} {
			if srv.has(l.cap) {
				methods = append(methods, l.m)
			}
		}
	}
	for _, s := range g.allSessions() {
		for _, mth := range methods {
			s.deliver(nil, jsonrpc.NewNotification(mth, nil))
		}
	}
}

// matchTemplate matches uri against an RFC 6570 URI template, treating each
// expression as a wildcard ({+x} and {#x} may span slashes).
func matchTemplate(tmpl, uri string) bool {
	re, err := templateRegexp(tmpl)
	if err != nil {
		return false
	}
	return re.MatchString(uri)
}

// tmplCache holds compiled templates; templates come from upstream listings,
// so the cache is bounded.
var tmplCache sync.Map

const maxCachedTemplates = 4096

var tmplCount atomic.Int64

func templateRegexp(tmpl string) (*regexp.Regexp, error) {
	if re, ok := tmplCache.Load(tmpl); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := compileTemplate(tmpl)
	if err == nil && tmplCount.Load() < maxCachedTemplates {
		if _, loaded := tmplCache.LoadOrStore(tmpl, re); !loaded {
			tmplCount.Add(1)
		}
	}
	return re, err
}

func compileTemplate(tmpl string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(regexp.QuoteMeta(tmpl))
			break
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("bad template")
		}
		b.WriteString(regexp.QuoteMeta(tmpl[:i]))
		expr := tmpl[i+1 : i+j]
		switch {
		case strings.HasPrefix(expr, "+"), strings.HasPrefix(expr, "#"):
			b.WriteString(".*")
		case strings.HasPrefix(expr, "?"), strings.HasPrefix(expr, "&"):
			b.WriteString(`(?:[?&].*)?`)
		default:
			b.WriteString("[^/?#]*")
		}
		tmpl = tmpl[i+j+1:]
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// AuthorizeTool is the tool listed for a server that needs the user's
// authorization (servers.NAME.oauth) before its own tools can be listed.
const AuthorizeTool = "mcpwarden-authorize"

func authorizeToolDef(server string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"name":  AuthorizeTool,
		"title": "Connect " + server,
		"description": "Server " + server + " needs you to authorize mcpwarden at it before its tools appear. " +
			"Calling this returns the link to open in a browser (an MCP URL elicitation); after that, list the tools again.",
		"inputSchema": map[string]any{"type": "object", "properties": map[string]any{}},
		"annotations": map[string]any{"readOnlyHint": true, "openWorldHint": false},
	})
	return b
}

// needsAuthorization reports whether err says the user must authorize the
// gateway at the upstream (a URL elicitation).
func needsAuthorization(err error) bool {
	if re, ok := upstream.AsRPCError(err); ok && re.Code == jsonrpc.CodeURLElicitationRequired {
		return true
	}
	var je *jsonrpc.Error
	return errors.As(err, &je) && je.Code == jsonrpc.CodeURLElicitationRequired
}

// ListChanged tells every client that the named server's lists may have
// changed (for example after a user authorized the gateway there).
func (g *Gateway) ListChanged(server string) {
	if s, ok := g.byName[server]; ok {
		g.notifyListChanged(s, "notifications/tools/list_changed")
	}
}
