package protocol

import (
	"encoding/json"
	"net/http"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// Cacheable reports whether a method's result is a CacheableResult of
// 2026-07-28 (ttlMs and cacheScope required).
func Cacheable(method string) bool {
	switch method {
	case "tools/list", "prompts/list", "resources/list", "resources/templates/list", "resources/read", MethodDiscover:
		return true
	}
	return false
}

// Codes a 2026-07-28 implementation must not emit, and what they become.
const (
	legacyResourceNotFound = -32002
	legacyURLElicitation   = -32042
)

// ToModern shapes a response for a 2026-07-28 client (design 4.9): a
// result gets resultType "complete" when it has none, cacheable results
// get ttlMs (0 when absent) and cacheScope "private" (the gateway filters
// lists per principal), an upstream's serverInfo in _meta is replaced by
// serverInfo (dropped when serverInfo is nil); errors -32002 become
// -32602 and a -32042 left untranslated becomes -32603. It returns the
// HTTP status to answer with when nothing was streamed yet.
func ToModern(method string, resp []byte, serverInfo json.RawMessage) ([]byte, int) {
	m, perr := jsonrpc.Parse(resp, jsonrpc.DefaultLimits)
	if perr != nil || m.Kind != jsonrpc.KindResponse {
		return resp, http.StatusOK
	}
	if m.Error != nil {
		e := *m.Error
		switch e.Code {
		case legacyResourceNotFound:
			e.Code = jsonrpc.CodeInvalidParams
		case legacyURLElicitation:
			e.Code = jsonrpc.CodeInternalError
		}
		if e.Code == m.Error.Code {
			return resp, ErrorStatus(e.Code)
		}
		return jsonrpc.NewError(m.ID, &e), ErrorStatus(e.Code)
	}
	res := m.Result
	if len(res) == 0 || res[0] != '{' {
		return resp, http.StatusOK
	}
	changed := false
	set := func(k string, v any) {
		if r, err := jsonrpc.SetField(res, k, v); err == nil {
			res, changed = r, true
		}
	}
	if jsonrpc.Field(res, "resultType") == nil {
		set("resultType", ResultComplete)
	}
	if Cacheable(method) {
		if jsonrpc.Field(res, "ttlMs") == nil {
			set("ttlMs", 0)
		}
		if s, _ := jsonrpc.StringField(res, "cacheScope"); s != "private" {
			set("cacheScope", "private")
		}
	}
	if meta := jsonrpc.Field(res, "_meta"); len(meta) > 0 && meta[0] == '{' && jsonrpc.Field(meta, MetaServerInfo) != nil {
		var nm json.RawMessage
		var err error
		if serverInfo != nil {
			nm, err = jsonrpc.SetField(meta, MetaServerInfo, serverInfo)
		} else {
			nm, err = jsonrpc.DeleteField(meta, MetaServerInfo)
		}
		if err == nil {
			set("_meta", nm)
		}
	}
	if !changed {
		return resp, http.StatusOK
	}
	b, err := spliceResult(resp, res)
	if err != nil {
		return resp, http.StatusOK
	}
	return b, http.StatusOK
}

// spliceResult replaces a response's result.
func spliceResult(resp []byte, result json.RawMessage) ([]byte, error) {
	return jsonrpc.SetField(resp, "result", result)
}

// ToLegacy shapes a response from a 2026-07-28 upstream for a session
// client: resultType "complete", ttlMs, cacheScope and the serverInfo of
// _meta are removed. An input_required result never reaches it (the
// gateway fulfils those itself).
func ToLegacy(resp []byte) []byte {
	m, perr := jsonrpc.Parse(resp, jsonrpc.DefaultLimits)
	if perr != nil || m.Kind != jsonrpc.KindResponse || len(m.Result) == 0 || m.Result[0] != '{' {
		return resp
	}
	res := m.Result
	for _, k := range []string{"resultType", "ttlMs", "cacheScope"} {
		if k == "resultType" {
			if v, _ := jsonrpc.StringField(res, k); v != ResultComplete {
				continue
			}
		}
		if r, err := jsonrpc.DeleteField(res, k); err == nil {
			res = r
		}
	}
	if meta := jsonrpc.Field(res, "_meta"); len(meta) > 0 && meta[0] == '{' && jsonrpc.Field(meta, MetaServerInfo) != nil {
		if nm, err := jsonrpc.DeleteField(meta, MetaServerInfo); err == nil {
			if string(nm) == "{}" {
				res, _ = jsonrpc.DeleteField(res, "_meta")
			} else if r, err := jsonrpc.SetField(res, "_meta", nm); err == nil {
				res = r
			}
		}
	}
	b, err := spliceResult(resp, res)
	if err != nil {
		return resp
	}
	return b
}

// ErrorStatus is the HTTP status of a modern client's error response when
// nothing was streamed yet (what go-sdk's extractErrorStatus expects).
func ErrorStatus(code int) int {
	switch code {
	case jsonrpc.CodeMethodNotFound:
		return http.StatusNotFound
	case jsonrpc.CodeInvalidParams, CodeHeaderMismatch, CodeMissingClientCapability, CodeUnsupportedProtocolVersion:
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// InputRequiredResponse encodes an InputRequiredResult response.
func InputRequiredResponse(id json.RawMessage, requests map[string]InputRequest, state string) []byte {
	res := map[string]any{"resultType": ResultInputRequired, "inputRequests": requests}
	if state != "" {
		res["requestState"] = state
	}
	return jsonrpc.NewResult(id, res)
}

// URLElicitations reads the URL elicitations of a 2025-11-25 -32042
// error's data ({"elicitations":[{mode, elicitationId, url, message}]}) as
// 2026-07-28 input requests (elicitationId dropped: removed in 2026-07-28).
func URLElicitations(data json.RawMessage) []InputRequest {
	var d struct {
		Elicitations []struct {
			URL     string `json:"url"`
			Message string `json:"message"`
		} `json:"elicitations"`
	}
	if json.Unmarshal(data, &d) != nil {
		return nil
	}
	var out []InputRequest
	for _, e := range d.Elicitations {
		if e.URL == "" {
			continue
		}
		p, _ := json.Marshal(map[string]any{"mode": "url", "message": e.Message, "url": e.URL})
		out = append(out, InputRequest{Method: "elicitation/create", Params: p})
	}
	return out
}
