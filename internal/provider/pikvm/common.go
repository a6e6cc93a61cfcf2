package pikvm

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/kvmd"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

// pikvmAttribute is the `pikvm` attribute every PiKVM resource has.
func pikvmAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		Optional: true, Computed: true,
		Description:   "Name of the PiKVM (a provider `pikvm` block). Defaults to the provider's default PiKVM. Changing it replaces the resource.",
		Validators:    []validator.String{fw.BlockNameValidator},
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured(), stringplanmodifier.UseStateForUnknown()},
	}
}

// pikvmResource is what every PiKVM resource shares: the provider data and
// the device lookup.
type pikvmResource struct {
	data *providerdata.Data
}

func (r *pikvmResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerdata.From(req.ProviderData, &resp.Diagnostics)
}

// device returns the client of the named PiKVM ("" is the default).
func (r *pikvmResource) device(name types.String) (*kvmd.Client, error) {
	return r.data.PiKVMs.Client(name.ValueString())
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
		fw.AddAttributeError(&resp.Diagnostics, path.Root("pikvm"), "Unknown PiKVM", err)
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
		if _, err := r.data.PiKVMs.Client(device); err != nil {
			fw.AddError(&resp.Diagnostics, summary, fmt.Errorf("import ID %q: %w", req.ID, err))
			return ""
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("pikvm"), device)...)
	return device
}

// imageNameRE is a plain file name, as kvmd keeps it unchanged.
var imageNameRE = regexp.MustCompile(`^[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,254}$`)

// Default timeouts of the PiKVM resources.
var (
	powerTimeouts     = fw.TimeoutDefaults{Create: 10 * time.Minute, Read: 2 * time.Minute, Update: 10 * time.Minute, Delete: 10 * time.Minute}
	msdDriveTimeouts  = fw.TimeoutDefaults{Create: 5 * time.Minute, Read: 2 * time.Minute, Update: 5 * time.Minute, Delete: 5 * time.Minute}
	msdImageTimeouts  = fw.TimeoutDefaults{Create: 60 * time.Minute, Read: 2 * time.Minute, Delete: 5 * time.Minute}
	gpioOutputTimeout = fw.TimeoutDefaults{Create: 2 * time.Minute, Read: time.Minute, Update: 2 * time.Minute}
)
