//! Cursor paging: one page at a time, or every item as a lazy stream.

use std::collections::HashSet;

use futures::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::operation::Operation;
use crate::platform::{BoxStream, MaybeSend};

/// One page of a cursor-paged list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items of this page. A page may be short, or even empty, before the end.
    pub items: Vec<T>,
    /// The cursor of the next page; `None` after the last page.
    pub next_cursor: Option<String>,
}

/// An operation that returns one page of a cursor-paged list.
pub trait PagedOperation: Operation + Clone + 'static {
    /// One entry of the list.
    type Item: MaybeSend + 'static;

    /// Sets the cursor of the page to fetch (`None`: the first page).
    fn set_cursor(&mut self, cursor: Option<String>);

    /// Splits a response into its items and the next cursor.
    fn into_page(output: Self::Output) -> Page<Self::Item>;
}

impl Client {
    /// Fetches the one page that `op` describes.
    pub async fn page<O: PagedOperation>(&self, op: &O) -> Result<Page<O::Item>> {
        let mut page = O::into_page(self.execute(op).await?);
        page.next_cursor = page.next_cursor.filter(|c| !c.is_empty());
        Ok(page)
    }

    /// Every item of the list, fetched page by page as the stream is read.
    ///
    /// The stream stops after the page without a next cursor, or at the first error.
    /// A server that hands out a cursor it gave before ends the stream with a decode
    /// error instead of looping forever.
    pub fn stream<O>(&self, op: O) -> BoxStream<'static, Result<O::Item>>
    where
        O: PagedOperation,
        O::Output: 'static,
    {
        let client = self.clone();
        let pages = stream::try_unfold(Some((op, HashSet::new())), move |state| {
            let client = client.clone();
            async move {
                let Some((mut op, mut seen)) = state else {
                    return Ok(None);
                };
                let page = client.page(&op).await?;
                let next = match page.next_cursor {
                    Some(cursor) => {
                        if !seen.insert(cursor.clone()) {
                            return Err(Error::new(
                                ErrorKind::Decode,
                                "the server returned a page cursor it had already returned",
                            )
                            .with_operation(O::NAME));
                        }
                        op.set_cursor(Some(cursor));
                        Some((op, seen))
                    }
                    None => None,
                };
                Ok(Some((page.items, next)))
            }
        });
        Box::pin(
            pages
                .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
                .try_flatten()
                .fuse(),
        )
    }
}
