package instance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

// execModel is one entry of `execs`.
type execModel struct {
	Command      types.List   `tfsdk:"command"`
	Environment  types.Map    `tfsdk:"environment"`
	WorkingDir   types.String `tfsdk:"working_dir"`
	UID          types.Int64  `tfsdk:"uid"`
	GID          types.Int64  `tfsdk:"gid"`
	Trigger      types.String `tfsdk:"trigger"`
	Timeout      types.String `tfsdk:"timeout"`
	FailOnError  types.Bool   `tfsdk:"fail_on_error"`
	RecordOutput types.Bool   `tfsdk:"record_output"`
	ExitCode     types.Int64  `tfsdk:"exit_code"`
	Stdout       types.String `tfsdk:"stdout"`
	Stderr       types.String `tfsdk:"stderr"`
}

var execAttrTypes = map[string]attr.Type{
	"command": types.ListType{ElemType: types.StringType}, "environment": types.MapType{ElemType: types.StringType},
	"working_dir": types.StringType, "uid": types.Int64Type, "gid": types.Int64Type, "trigger": types.StringType,
	"timeout": types.StringType, "fail_on_error": types.BoolType, "record_output": types.BoolType,
	"exit_code": types.Int64Type, "stdout": types.StringType, "stderr": types.StringType,
}

// stderrTail is how much of a failed command's stderr its diagnostic shows.
const (
	stderrTailLines = 20
	stderrTailBytes = 2048
)

func execsAttribute() schema.Attribute {
	return schema.MapNestedAttribute{
		Optional: true,
		Description: "Commands to run in the instance, by name, in name order, after `files` are uploaded and `wait_for` is met; they need the instance running. " +
			"Each runs without a terminal through Incus's exec API (its output recorded by incusd, read back, then deleted). " +
			"An exec that has not run yet (`exit_code` null: new, or added after `terraform import`, or its last run failed with `fail_on_error`) runs on the next apply that leaves the instance running, whatever its trigger.",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"command": schema.ListAttribute{
				ElementType: types.StringType, Required: true,
				Description: "The command and its arguments, not through a shell: use `[\"sh\", \"-c\", \"...\"]` for one.",
				Validators:  []validator.List{listvalidator.SizeAtLeast(1)},
			},
			"environment": schema.MapAttribute{ElementType: types.StringType, Optional: true, Description: "Environment variables for the command."},
			"working_dir": schema.StringAttribute{Optional: true, Description: "Working directory; the user's home by default."},
			"uid":         schema.Int64Attribute{Optional: true, Description: "User ID to run as; root by default."},
			"gid":         schema.Int64Attribute{Optional: true, Description: "Group ID to run as; root by default."},
			"trigger": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString("once"),
				Description: "When it runs: `once` (the default: after create, never again), `on_change` (again whenever this exec's command, environment, working_dir, uid or gid change), " +
					"`on_start` (again each time Terraform starts the instance: create, or `running` false to true).",
				Validators: []validator.String{stringvalidator.OneOf("once", "on_change", "on_start")},
			},
			"timeout": schema.StringAttribute{
				Optional: true, Description: "How long the command may run, as a Go duration (`30s`); the create or update timeout bounds it otherwise. " +
					"When it expires the provider asks incusd to cancel the operation and says whether it could: incusd 6.0 cannot cancel a non-interactive exec, so the command may go on in the instance.",
				Validators: []validator.String{fw.DurationValidator{}},
			},
			"fail_on_error": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				Description: "Whether a non-zero exit code fails the apply (showing the command, its exit code and the tail of its stderr). Defaults to `true`.",
			},
			"record_output": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				Description: "Whether `stdout` and `stderr` are kept in state (up to 1 MiB each, the tail). Defaults to `false`.",
			},
			"exit_code": schema.Int64Attribute{Computed: true, Description: "Exit code of the last run; null until it has run."},
			"stdout":    schema.StringAttribute{Computed: true, Description: "Standard output of the last run, with `record_output`; null otherwise."},
			"stderr":    schema.StringAttribute{Computed: true, Description: "Standard error of the last run, with `record_output`; null otherwise."},
		}},
	}
}

func execsOf(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]execModel {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	out := map[string]execModel{}
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

func execsValue(execs map[string]execModel, diags *diag.Diagnostics) types.Map {
	v, d := types.MapValueFrom(context.Background(), types.ObjectType{AttrTypes: execAttrTypes}, execs)
	diags.Append(d...)
	return v
}

// sameDefinition: what makes an on_change exec run again.
func sameDefinition(a, b execModel) bool {
	return a.Command.Equal(b.Command) && a.Environment.Equal(b.Environment) && a.WorkingDir.Equal(b.WorkingDir) &&
		a.UID.Equal(b.UID) && a.GID.Equal(b.GID)
}

// planExecs decides at plan time which execs run in this apply: their
// exit_code, stdout and stderr are unknown; the others keep their last
// values. starting says whether this apply starts the instance.
func planExecs(ctx context.Context, plan *instanceModel, state *instanceModel, starting bool, diags *diag.Diagnostics) {
	if plan.Execs.IsNull() || plan.Execs.IsUnknown() {
		return
	}
	execs := execsOf(ctx, plan.Execs, diags)
	var prior map[string]execModel
	if state != nil {
		prior = execsOf(ctx, state.Execs, diags)
	}
	willRun := plan.Running.ValueBool()
	for name, e := range execs {
		old, had := prior[name]
		neverRan := !had || old.ExitCode.IsNull()
		run := false
		switch {
		case !willRun:
		case neverRan:
			run = true
		case e.Trigger.ValueString() == "on_change":
			run = !sameDefinition(e, old)
		case e.Trigger.ValueString() == "on_start":
			run = starting
		}
		if run {
			e.ExitCode, e.Stdout, e.Stderr = types.Int64Unknown(), types.StringUnknown(), types.StringUnknown()
			if e.RecordOutput.Equal(types.BoolValue(false)) {
				e.Stdout, e.Stderr = types.StringNull(), types.StringNull()
			}
		} else {
			e.ExitCode, e.Stdout, e.Stderr = types.Int64Null(), types.StringNull(), types.StringNull()
			if had {
				e.ExitCode = old.ExitCode
				if e.RecordOutput.ValueBool() {
					e.Stdout, e.Stderr = old.Stdout, old.Stderr
				}
			}
		}
		execs[name] = e
	}
	plan.Execs = execsValue(execs, diags)
}

// runExecs runs the execs planned to run (d.run, in name order) and
// records their outcome in plan.Execs. A failed exec with fail_on_error
// stays recorded as not run (exit_code null), so that the next apply runs
// it again; the execs after it are not run.
func (r *instanceResource) runExecs(ctx context.Context, plan *instanceModel, name string, d *dayTwo, diags *diag.Diagnostics) bool {
	if len(d.run) == 0 {
		return true
	}
	execs := execsOf(ctx, plan.Execs, diags)
	if diags.HasError() {
		return false
	}
	defer func() { plan.Execs = execsValue(execs, diags) }()
	for _, n := range d.run {
		e := execs[n]
		p := path.Root("execs").AtMapKey(n)
		spec := incus.ExecSpec{
			Command:     fw.StringList(ctx, e.Command, diags),
			Environment: fw.StringMap(ctx, e.Environment, diags),
			Cwd:         e.WorkingDir.ValueString(),
			UID:         uint32(max(e.UID.ValueInt64(), 0)), //nolint:gosec // G115: IDs are small
			GID:         uint32(max(e.GID.ValueInt64(), 0)), //nolint:gosec // G115: IDs are small
		}
		if t := e.Timeout.ValueString(); t != "" {
			dur, err := time.ParseDuration(t)
			if err != nil {
				diags.AddAttributeError(p.AtName("timeout"), "Invalid Exec Timeout", err.Error())
				return false
			}
			spec.Timeout = dur
		}
		res, err := r.data.Incus.ExecInstance(ctx, plan.scope(), name, spec)
		if err != nil {
			var te *incus.ExecTimeoutError
			if errors.As(err, &te) {
				diags.AddAttributeError(p, "Incus Exec Timed Out", fmt.Sprintf("execs[%q] in %s: %s. It runs again on the next apply.", n, describeInstance(plan), te.Error()))
			} else {
				diags.AddAttributeError(p, "Unable to Run Command in Incus Instance", fmt.Sprintf("execs[%q]: command %s could not run.\n\n%s", n, commandText(spec.Command), fw.ErrorDetail(err)))
			}
			return false
		}
		if res.ExitCode != 0 && e.FailOnError.ValueBool() {
			diags.AddAttributeError(p, "Command Failed in Incus Instance",
				fmt.Sprintf("execs[%q]: command %s exited with code %d in %s (operation %s).\n\nLast lines of its stderr:\n%s\n\nIt runs again on the next apply; set fail_on_error = false to accept a non-zero exit code.",
					n, commandText(spec.Command), res.ExitCode, describeInstance(plan), res.OperationID, tail(res.Stderr)))
			return false
		}
		e.ExitCode = types.Int64Value(int64(res.ExitCode))
		e.Stdout, e.Stderr = types.StringNull(), types.StringNull()
		if e.RecordOutput.ValueBool() {
			e.Stdout, e.Stderr = types.StringValue(res.Stdout), types.StringValue(res.Stderr)
		}
		execs[n] = e
	}
	return true
}

func commandText(cmd []string) string {
	parts := make([]string, len(cmd))
	for i, a := range cmd {
		parts[i] = fmt.Sprintf("%q", a)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// tail is the end of a command's stderr: its last stderrTailLines lines,
// at most stderrTailBytes.
func tail(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "(empty)"
	}
	lines := strings.Split(s, "\n")
	if len(lines) > stderrTailLines {
		lines = lines[len(lines)-stderrTailLines:]
	}
	out := strings.Join(lines, "\n")
	if len(out) > stderrTailBytes {
		out = "…" + out[len(out)-stderrTailBytes:]
	}
	return out
}
