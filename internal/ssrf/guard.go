package ssrf

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/mcpwarden/mcpwarden/internal/jsonval"
	"net/url"
	"strings"
	"sync"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// GuardName is the SSRF guard's name in audit events and errors.
const GuardName = "ssrf"

// urlNames are argument names whose string values are URLs or hosts.
var urlNames = map[string]bool{
	"url": true, "uri": true, "urls": true, "uris": true, "href": true, "link": true, "links": true, "endpoint": true,
	"webhook": true, "webhook_url": true, "callback": true, "callback_url": true, "redirect": true, "redirect_uri": true,
	"redirect_url": true, "host": true, "hostname": true, "hosts": true, "domain": true, "server": true, "address": true,
	"target": true, "base_url": true, "baseurl": true, "api_url": true, "proxy": true, "remote": true, "origin": true,
	"source_url": true, "image_url": true, "feed_url": true, "site": true, "website": true,
}

// uriFormats are JSON Schema formats of URL- or host-valued strings.
var uriFormats = map[string]bool{"uri": true, "url": true, "iri": true, "uri-reference": true, "iri-reference": true,
	"hostname": true, "idn-hostname": true, "ipv4": true, "ipv6": true}

// Guard checks every URL- or host-shaped argument of a tool call: by
// the tool's input schema (format uri, hostname ...), by the argument's
// name (url, host, endpoint ...), or because the value is an absolute URL.
// It needs no configuration.
type Guard struct {
	Checker *Checker
}

// Name implements guard.Guard.
func (g *Guard) Name() string { return GuardName }

// Check implements guard.Guard.
func (g *Guard) Check(ctx context.Context, c *guard.Call) guard.Decision {
	if c.Method != "tools/call" || c.Listing || len(c.Arguments) == 0 {
		return guard.Allowed
	}
	args, err := jsonval.Decode(c.Arguments)
	if err != nil {
		return guard.Allowed // the parser refuses bad JSON before this
	}
	formats := cachedFormats(c.Definition)
	var refusal error
	walk(args, "", formats, func(path, name, format, value string) bool {
		if err := g.check(ctx, name, format, value); err != nil {
			refusal = fmt.Errorf("argument %s: %w", path, err)
			return false
		}
		return true
	})
	if refusal != nil {
		return guard.Decision{Action: guard.Deny, Guard: GuardName,
			Reason: fmt.Sprintf("tool %q: %v (server-side request forgery guard; open a host with policy.ssrf.allow_hosts)", c.Name, refusal)}
	}
	return guard.Allowed
}

// check decides one string value.
func (g *Guard) check(ctx context.Context, name, format, v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	lname := strings.ToLower(name)
	hostish := format == "hostname" || format == "idn-hostname" || format == "ipv4" || format == "ipv6" ||
		lname == "host" || lname == "hostname" || lname == "hosts" || lname == "domain" || lname == "address" || lname == "server"
	if looksLikeURL(v) {
		return g.Checker.CheckURL(ctx, v)
	}
	if uriFormats[format] || urlNames[lname] || hostish {
		if strings.Contains(v, "://") || strings.HasPrefix(v, "//") {
			return g.Checker.CheckURL(ctx, v)
		}
		if hostish || !strings.ContainsAny(v, "/?#") {
			// A bare host (or host:port).
			return g.Checker.CheckHost(ctx, v)
		}
		// A relative reference or path: nothing to reach by itself.
	}
	return nil
}

// looksLikeURL: the whole value is an absolute URL with an authority.
func looksLikeURL(v string) bool {
	i := strings.Index(v, "://")
	if i <= 0 || strings.ContainsAny(v, " \n") {
		return strings.HasPrefix(v, "file:") && !strings.Contains(v, " ")
	}
	scheme := v[:i]
	for _, r := range scheme {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	_, err := url.Parse(v)
	return err == nil || strings.ContainsAny(v, "\\")
}

// walk visits every string value with its JSON path, the name of the
// property holding it (for array items, the array's name) and the schema
// format declared for a top-level property. visit returns false to stop.
func walk(v any, path string, formats map[string]string, visit func(path, name, format, value string) bool) bool {
	var rec func(v any, path, name, format string, depth int) bool
	rec = func(v any, path, name, format string, depth int) bool {
		if depth > 64 {
			return true
		}
		switch x := v.(type) {
		case string:
			return visit(path, name, format, x)
		case []any:
			for i, e := range x {
				if !rec(e, fmt.Sprintf("%s[%d]", path, i), name, format, depth+1) {
					return false
				}
			}
		case map[string]any:
			for k, e := range x {
				f := ""
				if depth == 0 {
					f = formats[k]
				}
				if !rec(e, path+"."+k, k, f, depth+1) {
					return false
				}
			}
		}
		return true
	}
	return rec(v, "args", "", "", 0)
}

// formatCache holds schemaFormats by definition bytes: a tool's definition
// is the same on every call, and decoding it cost more than the rest of
// the guard. The maps are never written after they are stored. When the
// cache is full it starts over (definitions change only with tools/list).
var formatCache struct {
	sync.RWMutex
	m map[string]map[string]string
}

const formatCacheMax = 4096

func cachedFormats(def json.RawMessage) map[string]string {
	if len(def) == 0 {
		return nil
	}
	formatCache.RLock()
	f, ok := formatCache.m[string(def)]
	formatCache.RUnlock()
	if ok {
		return f
	}
	f = schemaFormats(def)
	formatCache.Lock()
	if formatCache.m == nil || len(formatCache.m) >= formatCacheMax {
		formatCache.m = make(map[string]map[string]string)
	}
	formatCache.m[string(def)] = f
	formatCache.Unlock()
	return f
}

// schemaFormats reads the format (or items' format) of each top-level
// property of the tool's input schema.
func schemaFormats(def json.RawMessage) map[string]string {
	if len(def) == 0 {
		return nil
	}
	var d struct {
		InputSchema struct {
			Properties map[string]struct {
				Format string `json:"format"`
				Items  struct {
					Format string `json:"format"`
				} `json:"items"`
			} `json:"properties"`
		} `json:"inputSchema"`
	}
	if json.Unmarshal(def, &d) != nil {
		return nil
	}
	out := map[string]string{}
	for k, p := range d.InputSchema.Properties {
		if p.Format != "" {
			out[k] = p.Format
		} else if p.Items.Format != "" {
			out[k] = p.Items.Format
		}
	}
	return out
}
