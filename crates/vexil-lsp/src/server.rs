//! The request loop: one thread, one message at a time, every document
//! re-checked on each change. Malformed input is answered and skipped; an
//! unknown method gets MethodNotFound; nothing a client sends ends the
//! server but `exit` (or the end of its input).

use std::collections::HashMap;
use std::io::{self, BufRead, Write};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, Formatting, GotoDefinition, HoverRequest, PrepareRenameRequest, References, Rename,
    Request as _, SemanticTokensFullRequest,
};
use lsp_types::{
    CodeActionProviderCapability, CompletionOptions, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, HoverProviderCapability, InitializeResult, OneOf, PrepareRenameResponse,
    PublishDiagnosticsParams, RenameOptions, SemanticTokenModifier, SemanticTokenType, SemanticTokens,
    SemanticTokensFullOptions, SemanticTokensLegend, SemanticTokensOptions, SemanticTokensResult,
    SemanticTokensServerCapabilities, ServerCapabilities, ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextEdit, Uri,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use vexil::Timestamp;

use crate::analysis::{Analysis, TOKEN_MODIFIERS, TOKEN_TYPES};
use crate::text::Text;
use crate::transport::{self, Read};

/// The server's state: the open documents, each with its last analysis.
pub struct Server {
    today: Option<Timestamp>,
    documents: HashMap<String, (Uri, i32, Analysis)>,
    initialized: bool,
    shut_down: bool,
}

/// Serves one client until `exit` or the end of `input`.
pub fn serve(input: &mut impl BufRead, output: &mut impl Write, today: Option<Timestamp>) -> io::Result<()> {
    let mut server = Server::new(today);
    loop {
        let message = match transport::read(input)? {
            Read::Eof => return Ok(()),
            Read::Invalid(response) => {
                transport::write(output, &Message::Response(response))?;
                continue;
            }
            Read::Message(message) => message,
        };
        // A bug must not take the editor's server down: answer and go on.
        let id = match &message {
            Message::Request(request) => Some(request.id.clone()),
            _ => None,
        };
        let handled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.handle(message)));
        let (replies, exit) = match handled {
            Ok(handled) => handled,
            Err(_) => (
                id.map(|id| error(id, ErrorCode::InternalError, "internal error (a bug in vexil lsp)"))
                    .into_iter()
                    .collect(),
                false,
            ),
        };
        for reply in replies {
            transport::write(output, &reply)?;
        }
        if exit {
            return Ok(());
        }
    }
}

fn error(id: RequestId, code: ErrorCode, message: impl Into<String>) -> Message {
    Message::Response(Response::new_err(id, code as i32, message.into()))
}

fn ok(id: RequestId, result: impl serde::Serialize) -> Message {
    match serde_json::to_value(result) {
        Ok(value) => Message::Response(Response { id, response_result: Ok(value) }),
        Err(e) => error(id, ErrorCode::InternalError, e.to_string()),
    }
}

fn params<P: DeserializeOwned>(value: Value) -> Result<P, String> {
    serde_json::from_value(value).map_err(|e| format!("invalid params: {e}"))
}

impl Server {
    pub fn new(today: Option<Timestamp>) -> Server {
        Server { today, documents: HashMap::new(), initialized: false, shut_down: false }
    }

    /// Handles one message: the messages to send back, and whether to exit.
    pub fn handle(&mut self, message: Message) -> (Vec<Message>, bool) {
        match message {
            Message::Request(request) => (vec![self.request(request)], false),
            Message::Notification(notification) => {
                if notification.method == "exit" {
                    return (Vec::new(), true);
                }
                (self.notification(notification), false)
            }
            // Responses to requests this server never sends.
            Message::Response(_) => (Vec::new(), false),
        }
    }

    fn request(&mut self, request: Request) -> Message {
        let Request { id, method, params: raw } = request;
        if method == "initialize" {
            self.initialized = true;
            return ok(id, capabilities());
        }
        if !self.initialized {
            return error(id, ErrorCode::ServerNotInitialized, "the first request must be `initialize`");
        }
        if self.shut_down {
            return error(id, ErrorCode::InvalidRequest, "the server is shutting down");
        }
        let result = match method.as_str() {
            "shutdown" => {
                self.shut_down = true;
                Ok(Value::Null)
            }
            HoverRequest::METHOD => self.on::<lsp_types::HoverParams, _>(raw, |s, p| {
                let d = s.document(&p.text_document_position_params.text_document.uri)?;
                d.hover(p.text_document_position_params.position)
            }),
            GotoDefinition::METHOD => self.on::<lsp_types::GotoDefinitionParams, _>(raw, |s, p| {
                let uri = &p.text_document_position_params.text_document.uri;
                s.document(uri)?.definition(uri, p.text_document_position_params.position)
            }),
            References::METHOD => self.on::<lsp_types::ReferenceParams, _>(raw, |s, p| {
                let uri = &p.text_document_position.text_document.uri;
                let d = s.document(uri)?;
                Some(d.references(uri, p.text_document_position.position, p.context.include_declaration))
            }),
            Completion::METHOD => self.on::<lsp_types::CompletionParams, _>(raw, |s, p| {
                let d = s.document(&p.text_document_position.text_document.uri)?;
                Some(d.completion(p.text_document_position.position))
            }),
            PrepareRenameRequest::METHOD => self.on::<lsp_types::TextDocumentPositionParams, _>(raw, |s, p| {
                s.document(&p.text_document.uri)?.prepare_rename(p.position).map(PrepareRenameResponse::Range)
            }),
            Rename::METHOD => match params::<lsp_types::RenameParams>(raw) {
                Ok(p) => {
                    let uri = &p.text_document_position.text_document.uri;
                    match self.document(uri).map(|d| d.rename(uri, p.text_document_position.position, &p.new_name)) {
                        None => Ok(Value::Null),
                        Some(Ok(edit)) => {
                            serde_json::to_value(edit).map_err(|e| (ErrorCode::InternalError, e.to_string()))
                        }
                        Some(Err(message)) => Err((ErrorCode::InvalidParams, message)),
                    }
                }
                Err(message) => Err((ErrorCode::InvalidParams, message)),
            },
            Formatting::METHOD => self.on::<lsp_types::DocumentFormattingParams, _>(raw, |s, p| {
                let d = s.document(&p.text_document.uri)?;
                // A document with syntax errors is not reformatted (no edits).
                let formatted = vexil::format::format(&d.text.text).ok()?;
                let end = d.text.position(d.text.text.len());
                let range = lsp_types::Range { start: lsp_types::Position { line: 0, character: 0 }, end };
                Some(vec![TextEdit { range, new_text: formatted }])
            }),
            CodeActionRequest::METHOD => self.on::<lsp_types::CodeActionParams, _>(raw, |s, p| {
                Some(s.document(&p.text_document.uri)?.code_actions(&p.text_document.uri, p.range))
            }),
            SemanticTokensFullRequest::METHOD => self.on::<lsp_types::SemanticTokensParams, _>(raw, |s, p| {
                let tokens = s.document(&p.text_document.uri)?.semantic_tokens();
                Some(SemanticTokensResult::Tokens(SemanticTokens { result_id: None, data: tokens }))
            }),
            other => Err((ErrorCode::MethodNotFound, format!("`{other}` is not supported"))),
        };
        match result {
            Ok(value) => ok(id, value),
            Err((code, message)) => error(id, code, message),
        }
    }

    /// Decodes params and runs a handler whose `None` is a null result.
    fn on<P: DeserializeOwned, R: serde::Serialize>(
        &self,
        raw: Value,
        handler: impl FnOnce(&Self, P) -> Option<R>,
    ) -> Result<Value, (ErrorCode, String)> {
        let p = params::<P>(raw).map_err(|message| (ErrorCode::InvalidParams, message))?;
        match handler(self, p) {
            Some(result) => serde_json::to_value(result).map_err(|e| (ErrorCode::InternalError, e.to_string())),
            None => Ok(Value::Null),
        }
    }

    fn document(&self, uri: &Uri) -> Option<&Analysis> {
        self.documents.get(uri.as_str()).map(|(_, _, analysis)| analysis)
    }

    fn notification(&mut self, notification: Notification) -> Vec<Message> {
        let Notification { method, params: raw } = notification;
        match method.as_str() {
            DidOpenTextDocument::METHOD => match params::<DidOpenTextDocumentParams>(raw) {
                Ok(p) => {
                    let analysis = Analysis::new(Text::new(p.text_document.text), self.today);
                    let uri = p.text_document.uri;
                    let publish = publish(&uri, p.text_document.version, &analysis);
                    self.documents.insert(uri.as_str().to_owned(), (uri, p.text_document.version, analysis));
                    vec![publish]
                }
                Err(_) => Vec::new(),
            },
            DidChangeTextDocument::METHOD => match params::<DidChangeTextDocumentParams>(raw) {
                Ok(p) => {
                    let key = p.text_document.uri.as_str().to_owned();
                    let Some((uri, _, analysis)) = self.documents.remove(&key) else { return Vec::new() };
                    let mut text = analysis.text;
                    for change in p.content_changes {
                        text.apply(change);
                    }
                    let analysis = Analysis::new(text, self.today);
                    let publish = publish(&uri, p.text_document.version, &analysis);
                    self.documents.insert(key, (uri, p.text_document.version, analysis));
                    vec![publish]
                }
                Err(_) => Vec::new(),
            },
            DidCloseTextDocument::METHOD => match params::<DidCloseTextDocumentParams>(raw) {
                Ok(p) => {
                    self.documents.remove(p.text_document.uri.as_str());
                    // Clear the closed document's problems.
                    vec![Message::Notification(Notification::new(
                        PublishDiagnostics::METHOD.to_owned(),
                        PublishDiagnosticsParams { uri: p.text_document.uri, diagnostics: Vec::new(), version: None },
                    ))]
                }
                Err(_) => Vec::new(),
            },
            _ => Vec::new(),
        }
    }
}

fn publish(uri: &Uri, version: i32, analysis: &Analysis) -> Message {
    Message::Notification(Notification::new(
        PublishDiagnostics::METHOD.to_owned(),
        PublishDiagnosticsParams { uri: uri.clone(), diagnostics: analysis.lsp_diagnostics(), version: Some(version) },
    ))
}

fn capabilities() -> InitializeResult {
    InitializeResult {
        capabilities: ServerCapabilities {
            text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::INCREMENTAL)),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            completion_provider: Some(CompletionOptions {
                trigger_characters: Some(vec![".".to_owned(), " ".to_owned()]),
                ..CompletionOptions::default()
            }),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: Default::default(),
            })),
            document_formatting_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
            semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
                SemanticTokensOptions {
                    legend: SemanticTokensLegend {
                        token_types: TOKEN_TYPES.iter().map(|t| SemanticTokenType::new(t)).collect(),
                        token_modifiers: TOKEN_MODIFIERS.iter().map(|m| SemanticTokenModifier::new(m)).collect(),
                    },
                    full: Some(SemanticTokensFullOptions::Bool(true)),
                    range: None,
                    work_done_progress_options: Default::default(),
                },
            )),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo { name: "vexil".to_owned(), version: Some(env!("CARGO_PKG_VERSION").to_owned()) }),
    }
}
