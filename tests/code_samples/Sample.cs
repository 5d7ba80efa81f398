using System;

namespace Example.Billing
{
    public interface IInvoice
    {
        decimal Total();
    }

    [Serializable]
    public class Invoice : IInvoice
    {
        public Invoice(decimal amount)
        {
            Amount = amount;
        }

        public decimal Amount { get; }

        public decimal Total()
        {
            return Amount * 1.2m;
        }

        public struct Line
        {
            public int Qty;
        }
    }

    public enum Status { Open, Paid }

    public record Customer(string Name);
}
