package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mcpwarden/mcpwarden/internal/jsonval"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/checker"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/interpreter"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// CostLimit bounds one evaluation of a rule (CEL's runtime cost units).
const CostLimit = 10000

// env is the CEL environment of rules: the call's arguments and context.
var env = func() *cel.Env {
	e, err := cel.NewEnv(
		cel.Variable("args", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("principal", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("tool", cel.StringType),
		cel.Variable("server", cel.StringType),
		cel.Variable("session", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("now", cel.TimestampType),
		cel.CrossTypeNumericComparisons(true),
	)
	if err != nil {
		panic("policy: CEL environment: " + err.Error())
	}
	return e
}()

// Expr is a compiled `when` condition.
type Expr struct {
	Source string
	prg    cel.Program
}

// Compile parses and type-checks a condition; it must be boolean.
func Compile(src string) (*Expr, error) {
	ast, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, iss.Err()
	}
	if !ast.OutputType().IsExactType(types.BoolType) {
		return nil, fmt.Errorf("the condition is of type %s; it must be a boolean", ast.OutputType())
	}
	// A condition whose worst-case cost is known to stay under the limit
	// (no loops over input of unknown size: the usual comparisons) runs
	// without cost tracking; any other is tracked and stopped at the
	// limit.
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	est, err := env.EstimateCost(ast, noSizes{})
	if err != nil || est.Max > CostLimit {
		opts = append(opts, cel.CostLimit(CostLimit))
	}
	prg, err := env.Program(ast, opts...)
	if err != nil {
		return nil, err
	}
	return &Expr{Source: src, prg: prg}, nil
}

// Input is what a condition sees.
type Input struct {
	Args      map[string]any
	Principal guard.Principal
	Tool      string
	Server    string
	Session   guard.Session
	Now       time.Time
}

// ArgsOf decodes a call's JSON arguments for CEL: JSON numbers become
// doubles (CEL compares them with ints when a rule writes `args.a <= 100`).
func ArgsOf(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]any{}, nil
	}
	v, err := jsonval.Decode(raw)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("arguments are not a JSON object")
	}
	return m, nil
}

// Eval evaluates the condition; an error (a missing argument, a type
// mismatch, the cost limit) is returned, and callers deny on it.
func (x *Expr) Eval(ctx context.Context, in Input) (bool, error) {
	vars := &activation{in: &in}
	// Evaluation is bounded by the cost limit (or by a static estimate
	// under it), so it runs without a context watcher; a call whose
	// context is already over is not evaluated.
	if err := ctx.Err(); err != nil {
		return false, err
	}
	v, _, err := x.prg.Eval(vars)
	if err != nil {
		return false, err
	}
	b, ok := v.(types.Bool)
	if !ok {
		return false, fmt.Errorf("the condition gave %v, not a boolean", v)
	}
	return bool(b), nil
}

// noSizes gives CEL's estimator no sizes: input of unknown size makes the
// estimate unbounded, so such conditions get runtime cost tracking.
type noSizes struct{}

func (noSizes) EstimateSize(checker.AstNode) *checker.SizeEstimate { return nil }
func (noSizes) EstimateCallCost(string, string, *checker.AstNode, []checker.AstNode) *checker.CallEstimate {
	return nil
}

// activation gives CEL the call's variables without building a map per
// call; principal and session become maps only if a condition reads them.
type activation struct{ in *Input }

func (a *activation) ResolveName(name string) (any, bool) {
	in := a.in
	switch name {
	case "args":
		return in.Args, true
	case "tool":
		return in.Tool, true
	case "server":
		return in.Server, true
	case "now":
		return in.Now, true
	case "principal":
		return map[string]any{"subject": in.Principal.Subject, "client_id": in.Principal.ClientID, "scopes": in.Principal.Scopes,
			"issuer": in.Principal.Issuer, "anonymous": in.Principal.Anonymous, "auth_method": in.Principal.AuthMethod}, true
	case "session":
		return map[string]any{"id": in.Session.ID, "client_name": in.Session.ClientName, "client_version": in.Session.ClientVersion,
			"transport": in.Session.Transport, "protocol_version": in.Session.ProtocolVersion}, true
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }
