//! Type and name errors, in plain words, with the span where checking failed and, where
//! known, a second span saying where the expectation came from.

use fluxi_syntax::Span;
use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// A type or name-resolution error. Codes are `fluxi::types::<name>`.
#[derive(Debug, Clone, PartialEq, Error, Diagnostic)]
pub enum TypeError {
    /// A name that is not defined.
    #[error("undefined identifier `{name}`")]
    #[diagnostic(code(fluxi::types::undefined))]
    Undefined {
        /// The name.
        name: String,
        #[label("not defined here or in the standard library")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// Two types that should be the same are not.
    #[error("{message}")]
    #[diagnostic(code(fluxi::types::mismatch))]
    Mismatch {
        /// "expected int but found float", with the place inside the type.
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        /// Text of the primary label.
        label: String,
        #[label("{origin_label}")]
        origin: Option<SourceSpan>,
        /// Text of the origin label.
        origin_label: String,
        #[help]
        hint: Option<String>,
    },

    /// A record lacks a property that is used.
    #[error("{message}")]
    #[diagnostic(code(fluxi::types::missing_property))]
    MissingProperty {
        /// What is missing.
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        /// Text of the primary label.
        label: String,
        #[label("{origin_label}")]
        origin: Option<SourceSpan>,
        /// Text of the origin label.
        origin_label: String,
        #[help]
        hint: Option<String>,
    },

    /// A record has a property that a closed record type does not allow.
    #[error("{message}")]
    #[diagnostic(code(fluxi::types::extra_property))]
    ExtraProperty {
        /// What is extra.
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        /// Text of the primary label.
        label: String,
        #[help]
        hint: Option<String>,
    },

    /// A type lacks a capability an operation needs (`+` on bools).
    #[error("{message}")]
    #[diagnostic(code(fluxi::types::unsupported_operation))]
    Kind {
        /// What is not supported.
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        /// Text of the primary label.
        label: String,
        #[label("{origin_label}")]
        origin: Option<SourceSpan>,
        /// Text of the origin label.
        origin_label: String,
        #[help]
        hint: Option<String>,
    },

    /// A type that would contain itself.
    #[error("{message}")]
    #[diagnostic(
        code(fluxi::types::infinite_type),
        help("a value is used as if it contained itself, e.g. a function applied to itself")
    )]
    Infinite {
        /// The message.
        message: String,
        #[label("here")]
        span: SourceSpan,
    },

    /// A call without a required argument.
    #[error("{message}")]
    #[diagnostic(code(fluxi::types::missing_argument))]
    MissingArgument {
        /// What is missing.
        message: String,
        #[label("in this call")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// A call with an argument the function does not have.
    #[error("{message}")]
    #[diagnostic(code(fluxi::types::unknown_argument))]
    UnknownArgument {
        /// What is unknown.
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        /// Text of the primary label.
        label: String,
        #[help]
        hint: Option<String>,
    },

    /// The same argument given twice.
    #[error("argument `{name}` is given twice")]
    #[diagnostic(code(fluxi::types::duplicate_argument), help("remove one of them"))]
    DuplicateArgument {
        /// The argument.
        name: String,
        #[label("again here")]
        span: SourceSpan,
        #[label("first here")]
        first: SourceSpan,
    },

    /// Piped input to a function that takes none, or none where it is needed.
    #[error("{message}")]
    #[diagnostic(code(fluxi::types::pipe_argument))]
    PipeArgument {
        /// What is wrong.
        message: String,
        #[label("here")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// A call of something that is not a function.
    #[error("{message}")]
    #[diagnostic(code(fluxi::types::not_a_function))]
    NotAFunction {
        /// What was called.
        message: String,
        #[label("this is not a function")]
        span: SourceSpan,
    },

    /// A package name used as a value.
    #[error("`{name}` is a package, not a value")]
    #[diagnostic(
        code(fluxi::types::package_as_value),
        help("use one of its members, e.g. `{name}.member`")
    )]
    PackageAsValue {
        /// The package name.
        name: String,
        #[label("a package")]
        span: SourceSpan,
    },

    /// An import of a package that does not exist.
    #[error("there is no package \"{path}\"")]
    #[diagnostic(code(fluxi::types::unknown_package))]
    UnknownPackage {
        /// The path.
        path: String,
        #[label("unknown package")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// `pkg.name` where the package has no such member.
    #[error("package `{package}` has no member `{name}`")]
    #[diagnostic(code(fluxi::types::unknown_member))]
    UnknownMember {
        /// The package name.
        package: String,
        /// The member.
        name: String,
        #[label("not in the package")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// A name bound twice in one scope.
    #[error("`{name}` is already defined in this scope")]
    #[diagnostic(
        code(fluxi::types::redefined),
        help("Flux names cannot be reassigned; pick another name, or use `option` for options")
    )]
    Redefined {
        /// The name.
        name: String,
        #[label("defined again here")]
        span: SourceSpan,
        #[label("first defined here")]
        previous: Option<SourceSpan>,
    },

    /// A function body block that does not end with `return`.
    #[error("this function body has no `return`")]
    #[diagnostic(
        code(fluxi::types::missing_return),
        help("end the block with `return <value>`")
    )]
    MissingReturn {
        #[label("the block ends here")]
        span: SourceSpan,
    },

    /// `return` outside a function body.
    #[error("`return` is only allowed in a function body")]
    #[diagnostic(code(fluxi::types::misplaced_return))]
    MisplacedReturn {
        #[label("not inside a function")]
        span: SourceSpan,
    },

    /// A statement after `return` in a block.
    #[error("statements after `return` are never run")]
    #[diagnostic(
        code(fluxi::types::unreachable),
        help("remove them or move the `return` to the end")
    )]
    Unreachable {
        #[label("after the return")]
        span: SourceSpan,
    },

    /// An unknown type or kind name in a type expression.
    #[error("{message}")]
    #[diagnostic(code(fluxi::types::unknown_type))]
    UnknownType {
        /// What is unknown.
        message: String,
        #[label("here")]
        span: SourceSpan,
        #[help]
        hint: Option<String>,
    },

    /// Packages that import each other.
    #[error("import cycle: {cycle}")]
    #[diagnostic(code(fluxi::types::import_cycle))]
    ImportCycle {
        /// The packages in the cycle.
        cycle: String,
        #[label("this import closes the cycle")]
        span: SourceSpan,
    },

    /// A value whose type has grown past the limit (a record that nests copies of itself:
    /// `r1 = {x: r0, y: r0}` doubles the type each time).
    #[error("the type of `{name}` has more than {limit} parts, more than fluxi checks")]
    #[diagnostic(
        code(fluxi::types::too_large),
        help("build the value from smaller named parts, or with a function, instead of nesting copies of it")
    )]
    TooLarge {
        /// The binding.
        name: String,
        /// The limit, in type nodes.
        limit: usize,
        #[label("this value's type is too large")]
        span: SourceSpan,
    },

    /// A standard-library package of fluxi failed to check: a bug in fluxi.
    #[error("internal error: fluxi's own package \"{package}\" does not check: {message}")]
    #[diagnostic(
        code(fluxi::types::stdlib),
        help("this is a bug in fluxi; please report it with the script that triggered it")
    )]
    Stdlib {
        /// The package path.
        package: String,
        /// The first error in it.
        message: String,
        #[label("while importing this")]
        span: Option<SourceSpan>,
    },
}

impl TypeError {
    /// The primary span.
    pub fn span(&self) -> Option<Span> {
        use TypeError::*;
        let s = match self {
            Undefined { span, .. }
            | Mismatch { span, .. }
            | MissingProperty { span, .. }
            | ExtraProperty { span, .. }
            | Kind { span, .. }
            | Infinite { span, .. }
            | MissingArgument { span, .. }
            | UnknownArgument { span, .. }
            | DuplicateArgument { span, .. }
            | PipeArgument { span, .. }
            | NotAFunction { span, .. }
            | PackageAsValue { span, .. }
            | UnknownPackage { span, .. }
            | UnknownMember { span, .. }
            | Redefined { span, .. }
            | MissingReturn { span }
            | MisplacedReturn { span }
            | Unreachable { span }
            | UnknownType { span, .. }
            | ImportCycle { span, .. }
            | TooLarge { span, .. } => *span,
            Stdlib { span, .. } => (*span)?,
        };
        Some(Span::new(s.offset(), s.offset() + s.len()))
    }

    /// The stable code, e.g. `fluxi::types::mismatch`.
    pub fn code_str(&self) -> String {
        self.code().map(|c| c.to_string()).unwrap_or_default()
    }
}

pub(crate) fn sp(span: Span) -> SourceSpan {
    span.into()
}
