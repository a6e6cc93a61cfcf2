package pikvm

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/kvmd"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

// pikvmDataSource is what every PiKVM data source shares.
type pikvmDataSource struct {
	data *providerdata.Data
}

func (d *pikvmDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerdata.From(req.ProviderData, &resp.Diagnostics)
}

// dataPiKVMAttribute is the `pikvm` attribute of PiKVM data sources.
func dataPiKVMAttribute() schema.StringAttribute {
	return schema.StringAttribute{Optional: true, Computed: true,
		Description: "Name of the PiKVM (a provider `pikvm` block). Defaults to the provider's default PiKVM.",
		Validators:  []validator.String{fw.BlockNameValidator}}
}

// readDevice looks up the device and gives a bounded context for the read.
func (d *pikvmDataSource) readDevice(ctx context.Context, name types.String) (*kvmd.Client, context.Context, context.CancelFunc, error) {
	c, err := d.data.PiKVMs.Client(name.ValueString())
	if err != nil {
		return nil, ctx, func() {}, err
	}
	ctx, cancel := clienterr.WithTimeout(ctx, 2*time.Minute)
	return c, ctx, cancel, nil
}
