package instance

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

// planRebuild reports whether a change of image to another image rebuilds
// the instance in place (image_change = "rebuild", same remote, project and
// type) rather than replacing it; if so it marks what the rebuild changes
// unknown in the plan.
func planRebuild(plan, state *instanceModel) bool {
	if plan.ImageChange.ValueString() != "rebuild" || sourced(state) ||
		!plan.Remote.Equal(state.Remote) || !plan.Project.Equal(state.Project) || !plan.Type.Equal(state.Type) {
		return false
	}
	plan.ImageFingerprint = types.StringUnknown()
	plan.Architecture = types.StringUnknown()
	plan.Status, plan.IPv4Address, plan.IPv6Address = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
	plan.MACAddress, plan.Interfaces = types.StringUnknown(), types.MapUnknown(types.ObjectType{AttrTypes: interfaceAttrTypes})
	return true
}

// rebuildIfChanged rebuilds the instance from the planned image when the
// plan says so (planRebuild left image_fingerprint unknown): stopped first
// when it runs (Incus rebuilds only a stopped instance); the power-state
// step of Update starts it again. It reports whether Update may go on.
func (r *instanceResource) rebuildIfChanged(ctx context.Context, plan, state *instanceModel, name string, running, frozen *bool, resp *resource.UpdateResponse) bool {
	if plan.Image.Equal(state.Image) || !plan.ImageFingerprint.IsUnknown() || plan.ImageChange.ValueString() != "rebuild" {
		return true
	}
	client := r.data.Incus
	scope := plan.scope()
	if *running {
		graceful := time.Duration(plan.StopTimeout.ValueInt64()) * time.Second
		if err := client.StopInstance(ctx, scope, name, graceful); err != nil {
			fw.AddError(&resp.Diagnostics, "Unable to Stop Incus Instance for Rebuild", err)
			return false
		}
		*running, *frozen = false, false
	}
	if err := client.RebuildInstance(ctx, scope, name, incus.ParseImage(plan.Image.ValueString())); err != nil {
		// State keeps the old image unless the instance is found rebuilt
		// (a lost answer): the next apply then rebuilds it again.
		readCtx, cancel := clienterr.Detach(ctx)
		defer cancel()
		if inst, gerr := client.GetInstanceAfterChange(readCtx, scope, name); gerr != nil || inst.ImageFingerprint == state.ImageFingerprint.ValueString() {
			plan.Image = state.Image
		}
		fw.AddAttributeError(&resp.Diagnostics, path.Root("image"), "Unable to Rebuild Incus Instance", err)
		return false
	}
	return true
}

// updateInstance applies u. When incusd refuses it only because the
// instance runs, with restart_on_change it stops the instance and applies
// it again (the power-state step of Update starts it again); without, the
// error says to set restart_on_change. It reports whether Update may go on.
func (r *instanceResource) updateInstance(ctx context.Context, plan *instanceModel, name string, u incus.InstanceUpdate, running, frozen *bool, resp *resource.UpdateResponse) bool {
	client := r.data.Incus
	scope := plan.scope()
	err := client.UpdateInstance(ctx, scope, name, u)
	if err == nil {
		return true
	}
	if !*running || !incus.IsRunningRefusal(err) {
		fw.AddError(&resp.Diagnostics, "Unable to Update Incus Instance", err)
		return false
	}
	if !plan.RestartOnChange.ValueBool() {
		resp.Diagnostics.AddError("Unable to Update Incus Instance",
			fmt.Sprintf("Incus cannot make this change while %s runs. Set restart_on_change = true to let Terraform stop the instance, apply the change and start it again, "+
				"or stop it first (running = false).\n\n%s", describeInstance(plan), fw.ErrorDetail(err)))
		return false
	}
	graceful := time.Duration(plan.StopTimeout.ValueInt64()) * time.Second
	if err := client.StopInstance(ctx, scope, name, graceful); err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Stop Incus Instance for a Change It Cannot Take Running", err)
		return false
	}
	*running, *frozen = false, false
	if err := client.UpdateInstance(ctx, scope, name, u); err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Update Incus Instance", err)
		return false
	}
	return true
}
