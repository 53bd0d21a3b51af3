//! Billing exports cbh does not read, recognized by their columns so that the message says what the file is and
//! what to export instead, rather than calling an Oracle cost report a broken AWS CUR (both write `lineItem/...`
//! headers) or an Azure export a broken FOCUS file (both have `BillingAccountId`). Every provider here also writes
//! FOCUS, which cbh reads: that is the way in. The columns are those of the FinOps Foundation's `focus_converters`
//! fixtures and of the providers' documentation.

/// A foreign export: what it is, the columns that give it away (any one of them, with none of `unless`), and what
/// to do.
struct Foreign {
    what: &'static str,
    any: &'static [&'static str],
    unless: &'static [&'static str],
    instead: &'static str,
}

const FOREIGN: &[Foreign] = &[
    Foreign {
        what: "an Oracle Cloud (OCI) cost report",
        any: &["lineItem/tenantId", "lineItem/referenceNo", "cost/myCost", "cost/myCostOverage"],
        unless: &["lineItem/UnblendedCost", "line_item_unblended_cost"],
        instead: "OCI writes FOCUS reports beside its cost reports (Billing & Cost Management, Cost and Usage \
                  Reports, 'FOCUS' folder): ingest those",
    },
    Foreign {
        what: "an Azure cost details export (EA or Microsoft Customer Agreement)",
        any: &["MeterCategory", "CostInBillingCurrency", "PreTaxCost", "SubscriptionGuid", "MeterSubCategory"],
        unless: &["BilledCost", "ChargeCategory"],
        instead: "in Cost Management, create an export of type 'Cost and usage details (FOCUS)' and ingest that",
    },
    Foreign {
        what: "a Google Cloud billing export (BigQuery)",
        any: &["usage_start_time", "cost_type", "service.description", "sku.description"],
        unless: &["BilledCost", "ChargeCategory", "line_item_unblended_cost"],
        instead: "export FOCUS from BigQuery with Google's FOCUS view of the billing export and ingest that",
    },
];

/// Why a file with `columns` is not a bill at all, when it is a dataset billing exports write beside their cost and
/// usage data: FOCUS 1.3's contract commitment dataset (commitments and their terms, no charges). Skipped, not an
/// error, so a landing folder may hold both datasets.
pub fn not_a_bill(columns: &[String]) -> Option<&'static str> {
    let has = |name: &str| columns.iter().any(|c| c.eq_ignore_ascii_case(name));
    let commitments = has("ContractCommitmentId") || has("ContractCommitmentCategory");
    (commitments && !has("ChargeCategory") && !has("BilledCost")).then_some(
        "not a bill: a FOCUS contract commitment dataset (commitments and their terms, no charges); cbh reads the \
         cost and usage dataset beside it",
    )
}

/// What `columns` show the file is, when it is an export of a format cbh does not read, and what to do instead.
pub fn recognize(columns: &[String]) -> Option<String> {
    let has = |name: &&str| columns.iter().any(|c| c.eq_ignore_ascii_case(name));
    FOREIGN
        .iter()
        .find(|f| f.any.iter().any(has) && !f.unless.iter().any(has))
        .map(|f| format!("this is {}, which cbh does not read: {}", f.what, f.instead))
}

#[cfg(test)]
mod tests {
    use super::recognize;

    fn columns(names: &str) -> Vec<String> {
        names.split(',').map(str::to_string).collect()
    }

    #[test]
    fn each_foreign_export_is_named_and_no_export_cbh_reads_is() {
        let oci = columns("lineItem/referenceNo,lineItem/tenantId,product/service,cost/myCost,cost/currencyCode");
        assert!(recognize(&oci).unwrap().contains("Oracle Cloud (OCI) cost report"));
        let azure = columns("SubscriptionId,Date,MeterCategory,Quantity,CostInBillingCurrency,BillingAccountId");
        assert!(recognize(&azure).unwrap().contains("Azure cost details export"));
        let gcp = columns("billing_account_id,service.description,sku.description,usage_start_time,cost,currency");
        assert!(recognize(&gcp).unwrap().contains("Google Cloud billing export"));
        let commitments = columns("ContractCommitmentId,ContractCommitmentCategory,ContractCommitmentCost,ContractId");
        assert!(super::not_a_bill(&commitments).unwrap().contains("contract commitment dataset"));
        assert_eq!(super::not_a_bill(&columns("BilledCost,ChargeCategory,ContractCommitmentId")), None);
        for ours in [
            "bill/PayerAccountId,lineItem/UnblendedCost,lineItem/UsageStartDate",
            "bill_payer_account_id,line_item_unblended_cost,line_item_usage_start_date",
            "BillingAccountId,BilledCost,ChargeCategory,x_MeterCategory,MeterCategory",
        ] {
            assert_eq!(recognize(&columns(ours)), None, "{ours}");
        }
    }
}
