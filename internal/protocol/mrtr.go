package protocol

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// What the gateway, as a 2026-07-28 client of an upstream, reads from the
// upstream's answers and writes into its requests: the discover result,
// InputRequiredResult round trips (patterns/mrtr), and the per-request
// _meta of a forwarded request.

// InputRequest is one entry of an InputRequiredResult's inputRequests: a
// server-to-client request (elicitation/create, sampling/createMessage,
// roots/list) the client fulfils before retrying.
type InputRequest struct {
	Method string          `json:"method"`
	Params json.RawMessage `json:"params,omitempty"`
}

// InputRequired is an upstream's InputRequiredResult.
type InputRequired struct {
	Requests map[string]InputRequest
	// State is requestState exactly as sent (a JSON string); nil when
	// the result has none (the retry must then carry none).
	State json.RawMessage
}

// InputMethods are the requests an InputRequiredResult may carry.
var InputMethods = []string{"elicitation/create", "sampling/createMessage", "roots/list"}

// ParseInputRequired reports whether result is an InputRequiredResult and
// parses it. A result that says input_required but is malformed (an entry
// without a known method, a requestState that is not a string) is an error.
func ParseInputRequired(result json.RawMessage) (*InputRequired, bool, error) {
	// The common case, a result without resultType, is settled by a walk of
	// the top level that skips values (escapes in the key's value are
	// decoded: the marker cannot hide behind \u escapes).
	if rt, ok := jsonrpc.StringField(result, "resultType"); !ok || rt != ResultInputRequired {
		return nil, false, nil
	}
	var r struct {
		ResultType    string                     `json:"resultType"`
		InputRequests map[string]json.RawMessage `json:"inputRequests"`
		RequestState  json.RawMessage            `json:"requestState"`
	}
	if err := json.Unmarshal(result, &r); err != nil || r.ResultType != ResultInputRequired {
		return nil, false, nil
	}
	ir := &InputRequired{Requests: map[string]InputRequest{}}
	if len(r.RequestState) > 0 && string(r.RequestState) != "null" {
		if r.RequestState[0] != '"' {
			return nil, true, fmt.Errorf("requestState is not a string")
		}
		ir.State = r.RequestState
	}
	for k, raw := range r.InputRequests {
		var in InputRequest
		if err := json.Unmarshal(raw, &in); err != nil {
			return nil, true, fmt.Errorf("inputRequests[%q]: %v", k, err)
		}
		if !slices.Contains(InputMethods, in.Method) {
			return nil, true, fmt.Errorf("inputRequests[%q]: method %q is not one a server may ask", k, in.Method)
		}
		ir.Requests[k] = in
	}
	if len(ir.Requests) == 0 && ir.State == nil {
		return nil, true, fmt.Errorf("input_required without inputRequests or requestState")
	}
	return ir, true, nil
}

// RetryParams returns the params of the retry of a request whose answer was
// ir: the original params with inputResponses and requestState replaced
// (requestState echoed byte for byte, or removed when ir has none).
func RetryParams(params json.RawMessage, ir *InputRequired, responses map[string]json.RawMessage) (json.RawMessage, error) {
	out, err := setField(params, "inputResponses", responses)
	if err != nil {
		return nil, err
	}
	if ir.State == nil {
		return deleteField(out, "requestState")
	}
	return setField(out, "requestState", ir.State)
}

// Discover is what the gateway keeps of a server/discover result.
type Discover struct {
	SupportedVersions []string                   `json:"supportedVersions"`
	Capabilities      map[string]json.RawMessage `json:"capabilities"`
	Instructions      string                     `json:"instructions"`
	ServerInfo        json.RawMessage            `json:"-"`
}

// ParseDiscover reads a DiscoverResult.
func ParseDiscover(result json.RawMessage) (*Discover, error) {
	var d Discover
	if err := json.Unmarshal(result, &d); err != nil {
		return nil, fmt.Errorf("bad server/discover result: %w", err)
	}
	var m struct {
		Meta map[string]json.RawMessage `json:"_meta"`
	}
	_ = json.Unmarshal(result, &m)
	d.ServerInfo = m.Meta[MetaServerInfo]
	return &d, nil
}

// Speaks reports whether the server lists revision v.
func (d *Discover) Speaks(v string) bool { return slices.Contains(d.SupportedVersions, v) }

// UnsupportedVersions returns data.supported of an UnsupportedProtocolVersion
// error (-32022), and whether data had that shape.
func UnsupportedVersions(data json.RawMessage) ([]string, bool) {
	var d struct {
		Supported []string `json:"supported"`
	}
	if json.Unmarshal(data, &d) != nil || d.Supported == nil {
		return nil, false
	}
	return d.Supported, true
}

// ClientCapabilities maps a 2025-11-25 client's initialize capabilities to
// the 2026-07-28 shape the gateway declares upstream for it: only what the
// gateway can fulfil for that client by asking it (elicitation, sampling,
// roots); an empty elicitation object means form mode; roots carries no
// listChanged (its notification is gone). Never tasks or extensions.
func ClientCapabilities(legacy json.RawMessage) json.RawMessage {
	var in map[string]json.RawMessage
	_ = json.Unmarshal(legacy, &in)
	out := map[string]any{}
	if el, ok := in["elicitation"]; ok && string(el) != "null" {
		var modes map[string]json.RawMessage
		_ = json.Unmarshal(el, &modes)
		m := map[string]any{}
		_, form := modes["form"]
		_, url := modes["url"]
		if form || !url {
			m["form"] = map[string]any{}
		}
		if url {
			m["url"] = map[string]any{}
		}
		out["elicitation"] = m
	}
	if s, ok := in["sampling"]; ok && string(s) != "null" {
		var sub map[string]json.RawMessage
		_ = json.Unmarshal(s, &sub)
		m := map[string]any{}
		for _, k := range []string{"context", "tools"} {
			if v, ok := sub[k]; ok {
				m[k] = v
			}
		}
		out["sampling"] = m
	}
	if r, ok := in["roots"]; ok && string(r) != "null" {
		out["roots"] = map[string]any{}
	}
	b, _ := json.Marshal(out)
	return b
}

// Declares reports whether modern client capabilities (the 2026-07-28
// shape) allow an input request of method with params.
func Declares(caps json.RawMessage, in InputRequest) bool {
	var c map[string]json.RawMessage
	if json.Unmarshal(caps, &c) != nil {
		return false
	}
	has := func(k string) bool { v, ok := c[k]; return ok && string(v) != "null" }
	switch in.Method {
	case "sampling/createMessage":
		return has("sampling")
	case "roots/list":
		return has("roots")
	case "elicitation/create":
		if !has("elicitation") {
			return false
		}
		var modes map[string]json.RawMessage
		_ = json.Unmarshal(c["elicitation"], &modes)
		var p struct {
			Mode string `json:"mode"`
		}
		_ = json.Unmarshal(in.Params, &p)
		if p.Mode == "url" {
			_, ok := modes["url"]
			return ok
		}
		_, form := modes["form"]
		return form || len(modes) == 0
	}
	return false
}

// WithRequestMeta returns meta (a request's _meta, possibly empty) with the
// per-request fields of 2026-07-28 set: protocolVersion, clientCapabilities,
// clientInfo (when name is set) and logLevel (when set). Other members
// (progressToken, trace context, the gateway's correlation id) are kept.
func WithRequestMeta(meta json.RawMessage, caps json.RawMessage, clientName, clientVersion, logLevel string) (json.RawMessage, error) {
	if len(caps) == 0 {
		caps = json.RawMessage("{}")
	}
	out, err := setField(meta, MetaProtocolVersion, Modern)
	if err == nil {
		out, err = setField(out, MetaClientCapabilities, caps)
	}
	if err == nil && clientName != "" {
		out, err = setField(out, MetaClientInfo, map[string]string{"name": clientName, "version": clientVersion})
	}
	if err == nil && logLevel != "" {
		out, err = setField(out, MetaLogLevel, logLevel)
	}
	return out, err
}

func setField(obj json.RawMessage, key string, v any) (json.RawMessage, error) {
	return jsonrpc.SetField(obj, key, v)
}

func deleteField(obj json.RawMessage, key string) (json.RawMessage, error) {
	return jsonrpc.DeleteField(obj, key)
}
