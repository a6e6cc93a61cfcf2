package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/pikvm"
)

// pikvmAttribute is the `pikvm` attribute every PiKVM resource has.
func pikvmAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true, Computed: true,
		Description:   "Name of the PiKVM (a provider `pikvm` block). Defaults to the provider's default PiKVM. Changing it replaces the resource.",
		Validators:    []validator.String{remoteNameValidator},
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
	}
}

// pikvmResource is what every PiKVM resource shares: the provider data and
// the device lookup.
type pikvmResource struct {
	data *providerData
}

func (r *pikvmResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = dataFrom(req.ProviderData, &resp.Diagnostics)
}

// device returns the client of the named PiKVM ("" is the default).
func (r *pikvmResource) device(name types.String) (*pikvm.Client, error) {
	return r.data.PiKVMs.client(name.ValueString())
}

// planDevice resolves the `pikvm` attribute at plan time so that the plan
// shows the device and an unknown name fails before apply. It returns false
// when it added an error.
func (r *pikvmResource) planDevice(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) bool {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return false
	}
	var name types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("pikvm"), &name)...)
	if name.IsUnknown() && !req.State.Raw.IsNull() {
		return true // kept from state by UseStateForUnknown
	}
	if name.IsUnknown() {
		var configured types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("pikvm"), &configured)...)
		if configured.IsUnknown() {
			return true
		}
	}
	c, err := r.device(name)
	if err != nil {
		addAttributeError(&resp.Diagnostics, path.Root("pikvm"), "Unknown PiKVM", err)
		return false
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("pikvm"), c.Name())...)
	return !resp.Diagnostics.HasError()
}

// splitPiKVMImportID splits "[pikvm:]object".
func splitPiKVMImportID(id string) (device, object string) {
	if i := strings.Index(id, ":"); i >= 0 {
		return id[:i], id[i+1:]
	}
	return "", id
}

// importDevice imports a resource that is one per PiKVM (its power, its
// drive): the import ID names the device. It returns the device name, or ""
// when it added an error.
func (r *pikvmResource) importDevice(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse, summary string) string {
	device, rest := splitPiKVMImportID(req.ID)
	if device == "" {
		device = rest
	}
	if r.data != nil {
		if _, err := r.data.PiKVMs.client(device); err != nil {
			addError(&resp.Diagnostics, summary, fmt.Errorf("import ID %q: %w", req.ID, err))
			return ""
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("pikvm"), device)...)
	return device
}
