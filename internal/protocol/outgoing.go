package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// The upstream side of 2026-07-28 over HTTP: the headers a request carries
// are computed by the gateway from the body it forwards (never copied from
// a client), so a proxy routing on them sees what the upstream executes.

// Header values that cannot travel as they are use the Base64 sentinel
// (EncodeHeaderValue, headers.go).

// ParamHeader is one x-mcp-header annotation of a tool's input schema: the
// argument at Path travels as header Mcp-Param-<Name>.
type ParamHeader struct {
	Path []string
	Name string
}

type schemaProp struct {
	XMCPHeader json.RawMessage       `json:"x-mcp-header"`
	Properties map[string]schemaProp `json:"properties"`
}

// ParamHeaders returns the x-mcp-header annotations of a tool definition
// (its inputSchema, at any depth), in a stable order. A definition without
// any, or one that does not parse, has none.
func ParamHeaders(def json.RawMessage) []ParamHeader {
	if len(def) == 0 || (!bytes.Contains(def, []byte("x-mcp-header")) && !bytes.Contains(def, []byte(`\u`))) {
		return nil // the common case, without parsing the schema (a key written with escapes is parsed)
	}
	var t struct {
		InputSchema schemaProp `json:"inputSchema"`
	}
	if json.Unmarshal(def, &t) != nil {
		return nil
	}
	var out []ParamHeader
	var walk func(props map[string]schemaProp, prefix []string)
	walk = func(props map[string]schemaProp, prefix []string) {
		for name, p := range props {
			path := append(append([]string(nil), prefix...), name)
			var h string
			if json.Unmarshal(p.XMCPHeader, &h) == nil && validHeaderToken(h) {
				out = append(out, ParamHeader{Path: path, Name: h})
			}
			if len(p.Properties) > 0 {
				walk(p.Properties, path)
			}
		}
	}
	walk(t.InputSchema.Properties, nil)
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i].Path, ".") < strings.Join(out[j].Path, ".") })
	return out
}

// validHeaderToken reports whether h is an HTTP field-name token (tchar+).
func validHeaderToken(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// maxSafeInteger bounds the integers an x-mcp-header value may carry.
const maxSafeInteger = 1<<53 - 1

// headerPrimitive renders a JSON argument value as a header value: strings,
// booleans and integers in the safe range; anything else has no header.
func headerPrimitive(raw json.RawMessage) (string, bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return EncodeHeaderValue(x), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || x != math.Trunc(x) || math.Abs(x) > maxSafeInteger {
			return "", false
		}
		return strconv.FormatInt(int64(x), 10), true
	}
	return "", false
}

// OutgoingHeaders computes the 2026-07-28 headers of one message the
// gateway sends upstream over HTTP, from the message itself: the protocol
// version, Mcp-Method (requests and notifications), Mcp-Name for
// tools/call, prompts/get and resources/read (the name or URI in the body,
// which is the upstream's own), and Mcp-Param-<Name> for each x-mcp-header
// argument of def (the upstream's tool definition) present and non-null.
// A body that is not a JSON-RPC message is an error.
func OutgoingHeaders(body []byte, def json.RawMessage) (http.Header, error) {
	var m struct {
		Method string          `json:"method"`
		Params json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("outgoing message: %w", err)
	}
	h := http.Header{}
	h.Set(HeaderProtocolVersion, Modern)
	if m.Method == "" {
		return h, nil // a response
	}
	h.Set(HeaderMethod, m.Method)
	var p struct {
		Name      *string                    `json:"name"`
		URI       *string                    `json:"uri"`
		Arguments map[string]json.RawMessage `json:"arguments"`
	}
	switch m.Method {
	case "tools/call", "prompts/get", "resources/read":
		if err := json.Unmarshal(m.Params, &p); err != nil {
			return nil, fmt.Errorf("outgoing %s: params: %w", m.Method, err)
		}
		name := p.Name
		if m.Method == "resources/read" {
			name = p.URI
		}
		if name == nil {
			return nil, fmt.Errorf("outgoing %s: no name in params", m.Method)
		}
		h.Set(HeaderName, EncodeHeaderValue(*name))
	}
	if m.Method != "tools/call" {
		return h, nil
	}
	for _, ph := range ParamHeaders(def) {
		raw, ok := lookup(p.Arguments, ph.Path)
		if !ok || string(raw) == "null" {
			continue
		}
		if v, ok := headerPrimitive(raw); ok {
			h.Set(HeaderParamPrefix+ph.Name, v)
		}
	}
	return h, nil
}

func lookup(args map[string]json.RawMessage, path []string) (json.RawMessage, bool) {
	if len(path) == 0 || args == nil {
		return nil, false
	}
	cur, ok := args[path[0]]
	for _, part := range path[1:] {
		if !ok {
			return nil, false
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(cur, &obj) != nil {
			return nil, false
		}
		cur, ok = obj[part]
	}
	return cur, ok
}
