//! Messages (sharing-session.md §6): the caller's notifications, their unread count,
//! marking them read and deleting them. The list is cursor-paged: use
//! [`Client::page`] for one page or [`Client::list_messages`] for every message.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::client::Client;
use crate::error::{Result, ValidationError};
use crate::http::Method;
use crate::model::{code_enum, int_enum};
use crate::operation::{Operation, RequestSpec, body, parse_top};
use crate::paging::{Page, PagedOperation};
use crate::platform::BoxStream;
use crate::validate;
use crate::wire::lenient;

code_enum! {
    /// The kind of a message (`type`, `filterType`): strings with leading zeros.
    MessageType {
        /// `000`: about a share.
        Share = "000",
        /// `001`: about a team.
        Team = "001",
        /// `002`: from the system.
        System = "002",
        /// `003`: from the administration.
        Management = "003",
    }
}

int_enum! {
    /// Whether a message has been read (`state`).
    MessageState {
        /// `0`: not read yet.
        Unread = 0,
        /// `1`: read.
        Read = 1,
    }
}

int_enum! {
    /// What [`UpdateAllMessagesState`] does to every message of the caller (`operate`).
    MessageBulkAction {
        /// `0`: marks every unread message as read.
        MarkAllRead = 0,
        /// `1`: deletes every message.
        DeleteAll = 1,
    }
}

/// `get_unread_message_count`: how many of the caller's messages are unread.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct GetUnreadMessageCount;

impl Operation for GetUnreadMessageCount {
    const NAME: &'static str = "get_unread_message_count";
    const IDEMPOTENT: bool = true;
    type Output = UnreadCount;

    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Get, "/koodrive/ose/v1/message/unreadCount")
    }

    fn parse(status: u16, body: &[u8]) -> Result<UnreadCount> {
        parse_top(status, body)
    }
}

/// The answer of [`GetUnreadMessageCount`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UnreadCount {
    /// The number of unread messages; `None` when the server left it out.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub count: Option<u64>,
}

/// `list_messages`: one page of the caller's messages.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListMessages {
    /// Messages per page, 1 to 100 (100 when `None`).
    pub page_size: Option<u32>,
    /// The cursor of the page to fetch; the first page when `None`.
    pub page_cursor: Option<String>,
    /// Only messages of this kind.
    pub filter_type: Option<MessageType>,
    /// Only read or only unread messages.
    pub state: Option<MessageState>,
}

impl Operation for ListMessages {
    const NAME: &'static str = "list_messages";
    const IDEMPOTENT: bool = true;
    type Output = MessageList;

    fn validate(&self) -> Result<(), ValidationError> {
        match self.page_size {
            Some(size) => validate::page_size(size),
            None => Ok(()),
        }
    }

    fn request(&self) -> RequestSpec {
        // The reference gives `0` as the default cursor; leaving it out means the same.
        RequestSpec::new(Method::Get, "/koodrive/ose/v1/message/list")
            .query_opt("pageSize", self.page_size.map(|s| s.to_string()))
            .query_opt("pageCursor", self.page_cursor.clone())
            .query_opt(
                "filterType",
                self.filter_type.as_ref().map(|t| t.code().to_owned()),
            )
            .query_opt("state", self.state.map(|s| s.code().to_string()))
    }

    fn parse(status: u16, body: &[u8]) -> Result<MessageList> {
        parse_top(status, body)
    }
}

impl PagedOperation for ListMessages {
    type Item = Message;

    fn set_cursor(&mut self, cursor: Option<String>) {
        self.page_cursor = cursor;
    }

    fn into_page(output: MessageList) -> Page<Message> {
        Page {
            items: output.messages,
            next_cursor: output.next_cursor,
        }
    }
}

/// One page of messages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageList {
    /// The messages. The reference types `messages` as one object although it surely
    /// means a list, so both forms are read.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub messages: Vec<Message>,
    /// The next page's cursor; absent after the last page.
    #[serde(alias = "nextPageCursor")]
    pub next_cursor: Option<String>,
}

/// A message (`MessageInfo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Message {
    /// The message id.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// Who sent it.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub sender: Option<String>,
    /// Its kind.
    #[serde(rename = "type")]
    pub message_type: Option<MessageType>,
    /// The text. The wire name is `context`; `content` is read too.
    #[serde(alias = "content", deserialize_with = "lenient::opt_string")]
    pub context: Option<String>,
    /// `0` unread, `1` read; kept as a number so that an unlisted state still parses.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub state: Option<i64>,
    /// When it was received.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub create_time: Option<String>,
}

impl Message {
    /// Whether the message is unread (`state` 0).
    pub fn is_unread(&self) -> bool {
        self.state == Some(MessageState::Unread.code())
    }
}

/// The per-message results of [`BatchReadMessages`] and [`BatchDeleteMessages`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageChanges {
    /// One entry per message id sent.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub messages: Vec<MessageChange>,
}

/// Whether one message changed (`UpdateMessageStateResponse`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageChange {
    /// The message id.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub id: Option<String>,
    /// Whether its state changed: `false` for an unknown id, or a message already read
    /// (or already deleted).
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub changed: Option<bool>,
}

/// `batch_read_messages`: marks up to 100 messages as read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BatchReadMessages {
    /// The message ids, 1 to 100.
    pub ids: Vec<String>,
}

impl Operation for BatchReadMessages {
    const NAME: &'static str = "batch_read_messages";
    const IDEMPOTENT: bool = true;
    type Output = MessageChanges;

    fn validate(&self) -> Result<(), ValidationError> {
        // The reference gives no limit; 100 is the limit of every other batch call.
        validate::ids("ids", &self.ids)
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Post, "/koodrive/ose/v1/message/batchRead")
            .json(body(json!({ "ids": self.ids })))
    }

    fn parse(status: u16, body: &[u8]) -> Result<MessageChanges> {
        parse_top(status, body)
    }
}

/// `batch_delete_messages`: deletes up to 100 messages. The request is a `DELETE` with
/// a JSON body, as documented.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct BatchDeleteMessages {
    /// The message ids, 1 to 100.
    pub ids: Vec<String>,
}

impl Operation for BatchDeleteMessages {
    const NAME: &'static str = "batch_delete_messages";
    // Deleting a deleted message changes nothing.
    const IDEMPOTENT: bool = true;
    type Output = MessageChanges;

    fn validate(&self) -> Result<(), ValidationError> {
        // The reference gives no limit; 100 is the limit of every other batch call.
        validate::ids("ids", &self.ids)
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Delete, "/koodrive/ose/v1/message/batchDelete")
            .json(body(json!({ "ids": self.ids })))
    }

    fn parse(status: u16, body: &[u8]) -> Result<MessageChanges> {
        parse_top(status, body)
    }
}

/// `update_all_messages_state`: marks every unread message read, or deletes every
/// message, of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct UpdateAllMessagesState {
    /// What to do.
    pub operate: MessageBulkAction,
}

impl Operation for UpdateAllMessagesState {
    const NAME: &'static str = "update_all_messages_state";
    const IDEMPOTENT: bool = true;
    type Output = crate::wire::Empty;

    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    fn request(&self) -> RequestSpec {
        // `operate` is a query parameter and no body is documented, so none is sent.
        RequestSpec::new(Method::Post, "/koodrive/ose/v1/message/specific")
            .query("operate", self.operate.code().to_string())
    }

    fn parse(status: u16, body: &[u8]) -> Result<crate::wire::Empty> {
        parse_top(status, body)
    }
}

impl Client {
    /// The number of the caller's unread messages (0 when the server leaves it out).
    pub async fn get_unread_message_count(&self) -> Result<u64> {
        let out = self.execute(&GetUnreadMessageCount).await?;
        Ok(out.count.unwrap_or(0))
    }

    /// Every message matching `request`, fetched lazily page by page.
    pub fn list_messages(&self, request: ListMessages) -> BoxStream<'static, Result<Message>> {
        self.stream(request)
    }

    /// Marks up to 100 messages as read.
    pub async fn batch_read_messages(&self, ids: Vec<String>) -> Result<MessageChanges> {
        self.execute(&BatchReadMessages { ids }).await
    }

    /// Deletes up to 100 messages.
    pub async fn batch_delete_messages(&self, ids: Vec<String>) -> Result<MessageChanges> {
        self.execute(&BatchDeleteMessages { ids }).await
    }

    /// Marks every unread message read, or deletes every message.
    pub async fn update_all_messages_state(&self, operate: MessageBulkAction) -> Result<()> {
        self.execute(&UpdateAllMessagesState { operate })
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests() {
        let spec = GetUnreadMessageCount.request();
        assert_eq!(
            (spec.method, spec.path.as_str()),
            (Method::Get, "/koodrive/ose/v1/message/unreadCount")
        );
        let spec = ListMessages {
            page_size: Some(5),
            page_cursor: Some("c".into()),
            filter_type: Some(MessageType::System),
            state: Some(MessageState::Unread),
        }
        .request();
        assert_eq!(spec.path, "/koodrive/ose/v1/message/list");
        assert_eq!(
            spec.encoded_query(),
            "pageSize=5&pageCursor=c&filterType=002&state=0"
        );
        let spec = BatchReadMessages {
            ids: vec!["M1".into()],
        }
        .request();
        assert_eq!(spec.method, Method::Post);
        assert_eq!(spec.body.unwrap(), json!({"ids":["M1"]}));
        let spec = BatchDeleteMessages {
            ids: vec!["M1".into(), "M2".into()],
        }
        .request();
        assert_eq!(
            (spec.method, spec.path.as_str()),
            (Method::Delete, "/koodrive/ose/v1/message/batchDelete")
        );
        assert_eq!(spec.body.unwrap(), json!({"ids":["M1","M2"]}));
        let spec = UpdateAllMessagesState {
            operate: MessageBulkAction::DeleteAll,
        }
        .request();
        assert_eq!(spec.path, "/koodrive/ose/v1/message/specific");
        assert_eq!(spec.encoded_query(), "operate=1");
        assert!(spec.body.is_none());
    }

    #[test]
    fn rules() {
        assert!(ListMessages::default().validate().is_ok());
        for size in [0, 101] {
            let op = ListMessages {
                page_size: Some(size),
                ..ListMessages::default()
            };
            assert!(op.validate().is_err(), "{size}");
        }
        assert!(BatchReadMessages { ids: vec![] }.validate().is_err());
        assert!(
            BatchDeleteMessages {
                ids: vec!["".into()]
            }
            .validate()
            .is_err()
        );
        let many: Vec<String> = (0..101).map(|i| format!("M{i}")).collect();
        assert!(
            BatchDeleteMessages { ids: many.clone() }
                .validate()
                .is_err()
        );
        assert!(
            BatchReadMessages {
                ids: many[..100].to_vec()
            }
            .validate()
            .is_ok()
        );
    }

    #[test]
    fn response_shapes() {
        let n = GetUnreadMessageCount::parse(200, br#"{"code":"0","msg":"ok","count":"3"}"#);
        assert_eq!(n.unwrap().count, Some(3));

        // `messages` as one object, as the reference types it.
        let one = ListMessages::parse(
            200,
            br#"{"code":0,"messages":{"id":"M1","sender":"sys","type":"002","context":"hi","state":"0","createTime":"2026-01-01T00:00:00Z","x":1}}"#,
        )
        .unwrap();
        assert_eq!(one.messages.len(), 1);
        let m = &one.messages[0];
        assert_eq!(m.message_type, Some(MessageType::System));
        assert!(m.is_unread());
        assert_eq!(m.context.as_deref(), Some("hi"));

        let many = ListMessages::parse(
            200,
            br#"{"messages":[{"id":1,"type":"009","state":1},{"id":"M2","content":"x"}],"nextCursor":"n"}"#,
        )
        .unwrap();
        assert_eq!(many.messages[0].id.as_deref(), Some("1"));
        assert_eq!(
            many.messages[0].message_type,
            Some(MessageType::Unknown("009".into()))
        );
        assert!(!many.messages[0].is_unread());
        assert_eq!(many.messages[1].context.as_deref(), Some("x"));
        let page = ListMessages::into_page(many);
        assert_eq!(page.next_cursor.as_deref(), Some("n"));

        // No `code` is documented for the batch calls.
        let changes = BatchReadMessages::parse(
            200,
            br#"{"messages":[{"id":"M1","changed":true},{"id":"M2","changed":"false"}]}"#,
        )
        .unwrap();
        assert_eq!(changes.messages[1].changed, Some(false));
        assert!(UpdateAllMessagesState::parse(200, br#"{"code":0,"msg":"success"}"#).is_ok());
        let e = BatchDeleteMessages::parse(400, br#"{"code":"13000309"}"#).unwrap_err();
        assert_eq!(e.code().and_then(|c| c.number()), Some(13000309));
    }
}
