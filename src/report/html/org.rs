//! The HTML report of an organization: with more accounts than
//! [`super::MAX_ACCOUNTS_PER_PAGE`] and an
//! output directory, `index.html` (the organization's summary and a table of its accounts, each
//! linked to its page) and one page per account, `flowaudit-<ACCOUNT>.html`, named as the SARIF
//! report names its per-account files ([`account_file`]). Each page has the limits of a single
//! page; the links are relative, so the pages work offline, from any directory.

use super::page_data::{self, LeftOut, PageBuilder};
use super::{HtmlReporter, Links, read_results};
use crate::error::Error;
use crate::findings::Finding;
use crate::report::json::DocumentText;
use crate::report::sarif::account_file;
use crate::report::v1::{Document, ScanSection, Summary};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// The organization's page.
pub const INDEX_FILE: &str = "index.html";

/// The page of one account: `flowaudit-<ACCOUNT>.html`.
pub fn account_page(account: &str) -> String {
    account_file(account, "html")
}

/// A file name as a relative link: the file names are URI segments already, whose `%` escapes
/// must reach the file system as written.
fn href(file: &str) -> String {
    file.replace('%', "%25")
}

/// One account's page, as it is built.
struct AccountPage {
    data: PageBuilder,
    summary: Summary,
}

impl HtmlReporter {
    /// Write the organization's pages of `doc` into `dir`: `index.html` and one page per account,
    /// each written atomically. The results are read from `text`, one at a time.
    pub fn write_organization(
        &self,
        doc: &Document,
        text: &mut DocumentText,
        dir: &Path,
    ) -> Result<(), Error> {
        let limit = page_data::data_limit();
        let mut pages: BTreeMap<String, AccountPage> = BTreeMap::new();
        let new_page = || AccountPage {
            data: PageBuilder::new(limit),
            summary: Summary::new(&doc.scan.regions),
        };
        for a in &doc.scan.accounts {
            pages.insert(a.clone(), new_page());
        }
        read_results(text, &mut |f: Finding| {
            let page = match pages.get_mut(&f.resource.account_id) {
                Some(p) => p,
                None => pages
                    .entry(f.resource.account_id.clone())
                    .or_insert_with(new_page),
            };
            page.summary.add(&f);
            page.data.add(&f);
        })?;
        let digest = text.sha256();
        let nonce = |account: &str| {
            let mut h = Sha256::new();
            h.update(digest);
            h.update(account.as_bytes());
            hex::encode(&h.finalize()[..16])
        };
        let files: BTreeMap<String, String> = pages
            .keys()
            .map(|a| (a.clone(), href(&account_page(a))))
            .collect();
        let links = Links {
            index: Some(INDEX_FILE.to_string()),
            account_pages: None,
        };
        let mut scan = doc.scan.clone();
        scan.errors.clear();
        scan.account_details.clear();
        scan.accounts.clear();
        for (account, page) in pages {
            let account_doc = Document {
                schema: doc.schema.clone(),
                tool: doc.tool.clone(),
                scan: ScanSection {
                    accounts: vec![account.clone()],
                    errors: doc
                        .scan
                        .errors
                        .iter()
                        .filter(|e| e.account_id == account)
                        .cloned()
                        .collect(),
                    account_details: doc
                        .scan
                        .account_details
                        .iter()
                        .filter(|a| a.id == account)
                        .cloned()
                        .collect(),
                    ..scan.clone()
                },
                rules: doc.rules.clone(),
                results: doc
                    .results
                    .iter()
                    .filter(|f| f.resource.account_id == account)
                    .cloned()
                    .collect(),
                summary: page.summary,
                suppressions: doc.suppressions.clone(),
                fixes: doc.fixes.as_ref().map(|fixes| {
                    fixes
                        .iter()
                        .filter(|x| x.account_id == account)
                        .cloned()
                        .collect()
                }),
                baseline: doc.baseline.as_ref().map(|b| {
                    let mut b = b.clone();
                    b.changes.retain(|c| c.account_id == account);
                    b
                }),
            };
            let (data, left_out) = page.data.finish(&account_doc);
            let nonce = nonce(&account);
            crate::fsutil::write_atomic_with(&dir.join(account_page(&account)), |out| {
                self.write_page(&account_doc, nonce, &data, left_out, &links, out)
            })?;
        }
        let index_links = Links {
            index: None,
            account_pages: Some(files),
        };
        let (data, _) = PageBuilder::new(limit).finish(doc);
        let nonce = nonce("");
        crate::fsutil::write_atomic_with(&dir.join(INDEX_FILE), |out: &mut dyn Write| {
            self.write_page(doc, nonce, &data, LeftOut::default(), &index_links, out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_pages_are_named_as_the_sarif_files_and_linked_as_written() {
        assert_eq!(account_page("123456789012"), "flowaudit-123456789012.html");
        assert_eq!(
            account_page("../x"),
            crate::report::sarif::account_file_name("../x").replace(".sarif", ".html")
        );
        assert_eq!(href(&account_page("..")), "flowaudit-%252E%252E.html");
    }
}
