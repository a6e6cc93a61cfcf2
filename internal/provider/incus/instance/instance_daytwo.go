package instance

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

// dayTwo is what an apply does to an instance after it exists: the files
// to upload and delete, the execs to run, and whether the start waits for
// the upload.
type dayTwo struct {
	push map[string]bool // target paths to upload
	drop []string        // target paths dropped from files since the prior state
	run  []string        // exec names, sorted
	// deferredStart: the create asks for a stopped container, and the start
	// follows the upload.
	deferredStart bool
}

// planDayTwo fills in at plan time the files' hashes and which execs run
// (their exit_code unknown). A replaced instance starts from nothing.
func (r *instanceResource) planDayTwo(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, plan *instanceModel) {
	planFiles(ctx, plan, &resp.Diagnostics)
	var state *instanceModel
	if !req.State.Raw.IsNull() && len(resp.RequiresReplace) == 0 {
		state = &instanceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		if replaced(plan, state) {
			state = nil
		}
	}
	starting := plan.Running.ValueBool()
	if state != nil {
		starting = plan.Running.ValueBool() && !startedStatus(state.Status.ValueString())
	}
	planExecs(ctx, plan, state, starting, &resp.Diagnostics)
}

// beginDayTwo reads from the plan what this apply does beyond the instance
// itself, and records it in the plan as not done yet (files to upload as
// "drifted", execs to run with a null exit_code), so that whatever stops the
// apply half way leaves a state the next apply finishes. prior is the
// state before an update (nil for a create); spec, for a create, is made to
// create a container with files stopped, to be started after the upload.
func beginDayTwo(ctx context.Context, plan, prior *instanceModel, spec *incus.InstanceSpec, diags *diag.Diagnostics) *dayTwo {
	d := &dayTwo{push: map[string]bool{}}
	files := filesOf(ctx, plan.Files, diags)
	before := map[string]fileModel{}
	if prior != nil {
		for _, f := range filesOf(ctx, prior.Files, diags) {
			before[f.TargetPath.ValueString()] = f
		}
	}
	wanted := map[string]bool{}
	for i := range files {
		f := &files[i]
		p := f.TargetPath.ValueString()
		wanted[p] = true
		if old, had := before[p]; !had || !sameFile(old, *f) {
			d.push[p] = true
			f.SHA256 = types.StringValue(driftedMarker)
		}
	}
	if prior != nil {
		for _, f := range filesOf(ctx, prior.Files, diags) {
			if !wanted[f.TargetPath.ValueString()] {
				d.drop = append(d.drop, f.TargetPath.ValueString())
			}
		}
	}
	if files != nil {
		plan.Files = filesValue(files, diags)
	} else if plan.Files.IsUnknown() {
		plan.Files = types.ListNull(types.ObjectType{AttrTypes: fileAttrTypes})
	}

	execs := execsOf(ctx, plan.Execs, diags)
	for n, e := range execs {
		if e.ExitCode.IsUnknown() {
			d.run = append(d.run, n)
			e.ExitCode, e.Stdout, e.Stderr = types.Int64Null(), types.StringNull(), types.StringNull()
			execs[n] = e
		}
	}
	sort.Strings(d.run)
	if execs != nil {
		plan.Execs = execsValue(execs, diags)
	} else if plan.Execs.IsUnknown() {
		plan.Execs = types.MapNull(types.ObjectType{AttrTypes: execAttrTypes})
	}

	if spec != nil && spec.Start && len(d.push) > 0 && spec.Type != "virtual-machine" {
		spec.Start, d.deferredStart = false, true
	}
	return d
}

// finishCreate does what a create does after the instance exists: uploads
// files (then starts a container whose start waited for them, and waits for
// wait_for), runs the execs, and saves state. false: it failed, and said
// so; the instance is in state (tainted).
func (r *instanceResource) finishCreate(ctx context.Context, plan *instanceModel, d *dayTwo, conds []incus.WaitCondition, resp *resource.CreateResponse) bool {
	if len(d.push) == 0 && len(d.run) == 0 && !d.deferredStart {
		return true
	}
	if clienterr.Interrupted(ctx) && !d.deferredStart {
		return true
	}
	// Interrupted with the start still to come, the calls below say what
	// was not sent, as errors: the instance is not as planned.
	scope, name := plan.scope(), plan.Name.ValueString()
	client := r.data.Incus
	fail := func(summary, detail string) bool {
		resp.Diagnostics.AddError(summary, fmt.Sprintf("%s was created, but %s: it is saved in state as tainted, and the next apply replaces it.", fw.Capitalize(describeInstance(plan)), detail))
		r.readInto(ctx, plan, &resp.Diagnostics)
		resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
		return false
	}
	var diags diag.Diagnostics
	if !r.pushFiles(ctx, plan, name, d, &diags) {
		resp.Diagnostics.Append(diags...)
		return fail("Unable to Upload Files to New Incus Instance", "its files could not all be uploaded")
	}
	if d.deferredStart {
		if err := client.StartInstance(ctx, scope, name); err != nil {
			return fail("Unable to Start Incus Instance", "it did not start (after its files, if any, were uploaded).\n\n"+fw.ErrorDetail(err))
		}
		if len(conds) > 0 {
			if err := client.WaitFor(ctx, scope, name, conds); err != nil {
				return fail("Incus Instance Did Not Become Ready", "its wait_for conditions were not met.\n\n"+fw.ErrorDetail(err))
			}
		}
	}
	if !r.runExecs(ctx, plan, name, d, &diags) {
		resp.Diagnostics.Append(diags...)
		return fail("Incus Instance Exec Failed", "one of its execs failed (above)")
	}
	resp.Diagnostics.Append(diags...)
	r.readInto(ctx, plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	return true
}

// replaced reports whether the plan replaces the instance through one of the
// attributes whose own plan modifier requires it (the resource's ModifyPlan
// does not see those in resp.RequiresReplace).
func replaced(plan, state *instanceModel) bool {
	changed := func(p, s types.String) bool { return !p.IsUnknown() && !p.Equal(s) }
	return changed(plan.Type, state.Type) || !plan.Target.Equal(state.Target) ||
		changed(plan.Project, state.Project) || changed(plan.Remote, state.Remote)
}
